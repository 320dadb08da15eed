import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The function's one logger, configured by the Powertools environment that the project
 * construct sets. Log lines carry ids, never phone numbers, tokens, secrets or comments.
 */
export const logger = new Logger();
