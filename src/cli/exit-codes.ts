/** Exit codes of every command (docs/architecture.md#interfaces-that-are-a-contract): 0 done, 1 a check or comparison failed, 2 bad input. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
/** Interrupted by SIGINT/SIGTERM (128 + SIGINT), with finished work kept. */
export const EXIT_INTERRUPTED = 130;
