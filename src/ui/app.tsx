/**
 * The Ink view of `gwctl ui`: renders view.ts's lines for the terminal's size (re-rendered on
 * resize and on every controller change) and turns key presses into controller key names.
 */
import { Box, Text, useInput, useWindowSize, type Key } from 'ink';
import { Component, useEffect, useSyncExternalStore, type ReactNode } from 'react';
import type { Controller, KeyName } from './controller.ts';
import { layout } from './view.ts';

export interface AppProps {
  controller: Controller;
  home: string;
  noColor: boolean;
}

/** Key names for one read from the terminal (keys typed fast arrive together: one name each). */
export function keyNames(input: string, key: Key): KeyName[] {
  const one = keyName(input, key);
  if (one) return [one];
  if (key.ctrl || key.meta || input.length < 2) return [];
  return [...input];
}

export function keyName(input: string, key: Key): KeyName | undefined {
  if (key.ctrl && input === 'c') return 'ctrl-c';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'escape';
  if (key.ctrl || key.meta) return undefined;
  return input.length === 1 ? input : undefined;
}

export function App({ controller, home, noColor }: AppProps): ReactNode {
  const state = useSyncExternalStore(
    (cb) => controller.onChange(cb),
    () => controller.state,
  );
  const { columns, rows } = useWindowSize();
  useInput((input, key) => {
    for (const name of keyNames(input, key)) controller.key(name);
  });
  const { lines, maxScroll } = layout(state, { columns, rows, home, now: Date.now(), noColor });
  useEffect(() => controller.clampScroll(maxScroll), [controller, maxScroll, state.scroll]);
  return (
    <Box flexDirection="column" width={columns} height={rows} overflow="hidden">
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line.length === 0
            ? ' '
            : line.map((seg, j) => (
                <Text key={j} {...(seg.color ? { color: seg.color } : {})} bold={seg.bold ?? false} dimColor={seg.dim ?? false} inverse={seg.inverse ?? false}>
                  {seg.text}
                </Text>
              ))}
        </Text>
      ))}
    </Box>
  );
}

/** A render error becomes one line in the view, never a stack trace. */
export class ErrorLine extends Component<{ children: ReactNode; onError: (e: Error) => void }, { error?: string }> {
  override state: { error?: string } = {};
  static getDerivedStateFromError(e: Error) {
    return { error: e.message };
  }
  override componentDidCatch(e: Error): void {
    this.props.onError(e);
  }
  override render(): ReactNode {
    if (this.state.error) return <Text>gwctl ui: {this.state.error} (press q)</Text>;
    return this.props.children;
  }
}
