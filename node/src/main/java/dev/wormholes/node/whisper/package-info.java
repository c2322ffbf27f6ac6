/**
 * Whispers: short signed messages between contacts, sent over a secure stream to the internal
 * service {@code wh-whisper}; an undelivered whisper waits in the sender's outbox (LMDB) and is
 * retried until the recipient takes it, refuses it, or it expires.
 */
package dev.wormholes.node.whisper;
