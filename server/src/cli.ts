#!/usr/bin/env node
// The kask-ts command's entry: what must hold before the rest of the code loads, then the commands.
import module from 'node:module';

// NOTE: SIGHUP's default action ends a process, and the service installs its own handler (a TLS reload, or a log
// line) only once its code has loaded and its storage is opening: a `systemctl reload` sent in the first second
// after a start ended the service, and systemd took that for a clean exit. This listener, installed before the rest
// loads, keeps SIGHUP from ending any kask-ts process; the service's handlers run beside it.
process.on('SIGHUP', () => {});

// The runtime's compile cache keeps the bytecode of the modules it compiled for the next start (in the system's
// temporary directory, or NODE_COMPILE_CACHE): a restarted process loads its code without compiling it again. A
// runtime without one (before Node 22.1) goes on without it: bin/kask-ts says which Node it needs.
module.enableCompileCache?.();

await import('./commands.js');
