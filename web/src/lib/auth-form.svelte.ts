import { authErrorMessage } from './problem';
import { navigate } from './router';

/** What the sign-in and register forms share: the error they show, whether they are sending, and the sending. */
export class AuthForm {
  error = $state<string | null>(null);
  busy = $state(false);

  /**
   * Checks the fields first (`check` answers what is missing, or null), then sends them; once that succeeds the
   * person goes on to `next`, else the form says what went wrong.
   */
  async submit(event: SubmitEvent, check: () => string | null, send: () => Promise<unknown>, next: string) {
    event.preventDefault();
    this.error = check();
    if (this.error !== null) return;
    this.busy = true;
    try {
      await send();
      navigate(next, { replace: true });
    } catch (failure) {
      this.error = authErrorMessage(failure);
    } finally {
      this.busy = false;
    }
  }
}
