/**
 * Floor: ui, below cli: `gwctl ui`, talking to the agent over ipc like the CLI; imports ipc,
 * home, gateway and engine/doctor types, never cli or agent. See docs/floors.md.
 *
 * `gwctl ui`'s entry: render the app full-screen (the terminal's alternate screen, so quitting
 * leaves the shell's screen as it was), redraw only the lines that changed (Ink's incremental
 * rendering inside synchronized-output frames: no flicker), and on q/Esc/Ctrl-C, SIGTERM or
 * SIGINT or SIGHUP unmount, which gives the terminal back (cooked mode, cursor, primary screen).
 *
 * Loaded only on this path: Ink and React are never loaded by `gwctl status` (the import guard
 * in test/agent/agent.test.ts checks it).
 */
import { render } from 'ink';
import { createElement } from 'react';
import { App, ErrorLine } from './app.tsx';
import { Controller, errorText, type UiDeps } from './controller.ts';

export interface RunUiOptions extends UiDeps {
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Where one line goes when the UI ends on an error (after the terminal is restored). */
  err: (line: string) => void;
}

export async function runUi(opts: RunUiOptions): Promise<number> {
  const controller = new Controller(opts);
  let failure: string | undefined;
  const fail = (e: unknown) => {
    failure ??= errorText(e);
    controller.quit();
  };
  // The NO_COLOR convention (no-color.org): any non-empty value turns colour off.
  const noColor = Boolean(opts.env.NO_COLOR);
  const tree = createElement(ErrorLine, { onError: fail, children: createElement(App, { controller, home: opts.home, noColor }) });
  const app = render(tree, {
    alternateScreen: true,
    incrementalRendering: true,
    exitOnCtrlC: false,
    patchConsole: true,
    // We decide: stdout is a TTY here (Ink would turn itself off when CI is set in the environment).
    interactive: true,
    kittyKeyboard: { mode: 'disabled' },
  });
  const onSignal = () => controller.quit();
  const onCrash = (e: unknown) => fail(e);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  try {
    void controller.start();
    await controller.quitting;
  } finally {
    controller.stop();
    app.unmount();
    await app.waitUntilExit().catch(() => undefined);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
  if (failure) {
    opts.err(`gwctl ui: ${failure}`);
    return 1;
  }
  return 0;
}
