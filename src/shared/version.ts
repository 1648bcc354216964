/** gwctl's version, as `gwctl --version` prints it and the agent reports it in `hello`. */
export const VERSION = '0.1.0';
