/// <reference types="svelte" />
/// <reference types="vite/client" />

// hls.js ships no types for its light build; it has the same API as the full one, minus alternate audio,
// subtitles and DRM (Player.svelte loads the full build for videos with several audio tracks).
declare module 'hls.js/light' {
  export { default } from 'hls.js';
}
