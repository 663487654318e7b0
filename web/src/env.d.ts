/// <reference types="svelte" />
/// <reference types="vite/client" />

// hls.js ships no types for its light build; it has the same API as the full one, minus features Reel does not use.
declare module 'hls.js/light' {
  export { default } from 'hls.js';
}
