package dev.wormholes.people;

/** Why a key log, or one event of it, was refused. Every refusal of peer bytes is one of these. */
public enum LogFailure {
  /** The bytes are not a log or an event, or carry fields this version does not know. */
  MALFORMED,
  /** The log has no events. */
  EMPTY,
  /** More events than {@link KeyLog#MAX_EVENTS}. */
  TOO_MANY_EVENTS,
  /** More bytes than {@link KeyLog#MAX_LOG_BYTES}, or one event over {@link KeyLog#MAX_EVENT_BYTES}. */
  TOO_LARGE,
  /** The first event is not an inception, or a later one is. */
  NOT_INCEPTION_FIRST,
  /** The signature is not the expected key's. */
  BAD_SIGNATURE,
  /** The event's prev is not the digest of the event before it. */
  WRONG_PREV,
  /** The event's seq is not the previous seq + 1. */
  SEQ_GAP,
  /** The event names another persona. */
  WRONG_PERSONA,
  /** A rotation (or an abandon by the next key) reveals a key that is not the committed one. */
  ROTATION_NOT_COMMITTED,
  /** A key or digest has the wrong length. */
  BAD_KEY,
  /** A device's proof of consent does not verify. */
  BAD_DEVICE_PROOF,
  /** A device is added twice, or one the log never added is removed. */
  BAD_DEVICE,
  /** More devices than {@link KeyLog#MAX_DEVICES}. */
  TOO_MANY_DEVICES,
  /** An event follows an abandon. */
  ABANDONED
}
