// node-notifier 10 ships no type declarations; notify.ts types the one call it makes.
declare module 'node-notifier';
