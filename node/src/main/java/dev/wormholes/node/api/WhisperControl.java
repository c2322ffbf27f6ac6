package dev.wormholes.node.api;

import com.google.gson.JsonObject;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** What the control API may do with whispers (node/whisper). Methods answer the documented JSON or throw {@link ApiException}. */
public interface WhisperControl {
  /**
   * Whisper {@code text} to {@code to} (a contact's petname or persona id, or a node id): keep it in
   * the outbox, try to deliver it at once, and complete with its state after the first attempt or
   * a few seconds, whichever comes first.
   */
  CompletableFuture<JsonObject> whisper(String to, String text);

  /** Return the inbox (oldest first), the outbox and the refusal counts. */
  JsonObject whispers();

  /** Return how many incoming whispers were refused, by reason (zeros left out). */
  Map<String, Long> refused();

  /**
   * {@code add} or {@code remove} the accepted contact {@code name} (petname or persona id) as a
   * mailbox friend, or {@code list} them; return the named mailboxes, what this node holds for
   * others, and the counts.
   */
  default JsonObject mailbox(String action, String name) {
    throw new ApiException(503, "this node has no mailboxes");
  }
}
