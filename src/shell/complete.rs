//! Tab completion and hints for the interactive shell.
