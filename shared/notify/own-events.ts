/**
 * The feed events the notifier itself writes (each message's timeline entry): never handed back to it, or a message
 * sent would be an event to send a message about. The deployed rule leaves them out, and so does the local stand-in.
 */
export const notifierEventTypes = ['workorder.message_sent', 'workorder.message_skipped'];
