// Loaded into MapLibre's tile workers (importScriptInWorkers in source.js) in the static page.
// A worker that meets a `pmtiles://` tile URL with no protocol of its own sends the request to
// the main thread and waits there behind every frame being drawn; with the protocol here it
// reads its tiles from the archive itself. Vite builds this file as a classic (IIFE) script
// with pmtiles bundled, which is what `importScripts` needs.
import { Protocol } from 'pmtiles';

self.addProtocol('pmtiles', new Protocol().tile);
