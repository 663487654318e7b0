// Uploads one file to a Reel server with tus-js-client, the reference tus client, as the tests' peer.
// Prints one JSON line per event (url, head, progress, success, error) on stdout.
//
//   node tus-upload.mjs --endpoint URL --file PATH --state FILE [--chunk-size BYTES] [--delay-ms MS]
//                       [--title T] [--token BEARER] [--with-creation-upload] [--stock]
//
// --state keeps the upload URL (and the video id and manage token the creation answered) between runs: a second run
// with the same state resumes the upload from the offset the server reports. --delay-ms waits before each request, so
// a test can interrupt it mid-way. Without --token the client sends no header of its own: only tus-js-client's
// defaults, as any stock tus client (the upload URL is the capability). --stock goes further: tus-js-client's own
// defaults for everything (chunk size, retries, no request hook), with only the reporting callbacks added.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', '..', 'web', 'package.json'));
const tus = require('tus-js-client');

const { values: args } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    file: { type: 'string' },
    state: { type: 'string' },
    'chunk-size': { type: 'string' },
    'delay-ms': { type: 'string', default: '0' },
    title: { type: 'string' },
    token: { type: 'string' },
    'with-creation-upload': { type: 'boolean', default: false },
    stock: { type: 'boolean', default: false },
  },
});

const say = (event) => process.stdout.write(JSON.stringify(event) + '\n');
const state = fs.existsSync(args.state) ? JSON.parse(fs.readFileSync(args.state, 'utf8')) : {};
const saveState = () => fs.writeFileSync(args.state, JSON.stringify(state));
const delayMs = Number(args['delay-ms']);
let lastProgress = -1;

const metadata = { filename: path.basename(args.file), filetype: 'video/mp4' };
if (args.title) metadata.title = args.title;

const tuned = args.stock
  ? {}
  : {
      uploadUrl: state.url ?? null,
      chunkSize: args['chunk-size'] ? Number(args['chunk-size']) : Infinity,
      uploadDataDuringCreation: args['with-creation-upload'],
      storeFingerprintForResuming: false,
      retryDelays: [0, 300, 1000, 2000, 3000, 5000, 5000, 5000],
      async onBeforeRequest(req) {
        if (args.token) req.setHeader('Authorization', `Bearer ${args.token}`);
        if (delayMs > 0 && req.getMethod() === 'PATCH') await new Promise((resolve) => setTimeout(resolve, delayMs));
      },
    };

const upload = new tus.Upload(fs.createReadStream(args.file), {
  endpoint: args.endpoint,
  metadata,
  ...tuned,
  onAfterResponse(req, res) {
    const method = req.getMethod();
    if (method === 'POST' && res.getStatus() === 201) {
      state.manageToken = res.getHeader('Reel-Manage-Token') || undefined;
      state.videoId = res.getHeader('Reel-Video-Id');
      saveState();
    }
    if (method === 'HEAD') say({ event: 'head', status: res.getStatus(), offset: Number(res.getHeader('Upload-Offset') ?? -1) });
    if (method === 'PATCH') say({ event: 'patch', status: res.getStatus(), offset: Number(res.getHeader('Upload-Offset') ?? -1) });
  },
  onUploadUrlAvailable() {
    state.url = upload.url;
    saveState();
    say({ event: 'url', url: upload.url, videoId: state.videoId });
  },
  onProgress(sent, total) {
    const percent = Math.floor((sent / total) * 100);
    if (percent === lastProgress) return;
    lastProgress = percent;
    say({ event: 'progress', bytes: sent, total });
  },
  onSuccess() {
    say({ event: 'success', url: upload.url, videoId: state.videoId });
  },
  onError(error) {
    const response = error.originalResponse;
    say({ event: 'error', message: error.message, status: response ? response.getStatus() : null, body: response ? response.getBody() : null });
    process.exitCode = 1;
  },
});
upload.start();
