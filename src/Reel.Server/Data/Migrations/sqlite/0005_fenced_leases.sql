-- Fenced leases (issue 14; docs/decisions/0013-fenced-job-leases.md). lease_token counts the job's claims: each claim
-- takes the next number, and every later change of the claim (renew, done, retry, failed, released) must name it, so a
-- worker whose lease lapsed and was taken over changes nothing. attempts now counts only failures the job caused;
-- interruptions counts runs cut short by a crash or a lapsed lease, which are not the video's fault.
ALTER TABLE jobs ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0;
