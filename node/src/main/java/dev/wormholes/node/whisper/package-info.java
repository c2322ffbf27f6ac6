/**
 * Whispers: short signed messages between contacts, sent over a secure stream to the internal
 * service {@code wh-whisper}; an undelivered whisper waits in the sender's outbox (LMDB) and is
 * retried until the recipient takes it, refuses it, or it expires; one to a person is also
 * deposited, sealed to the person, with the person's mailbox friends (service {@code wh-mailbox}),
 * from whom the person fetches it on return.
 */
package dev.wormholes.node.whisper;
