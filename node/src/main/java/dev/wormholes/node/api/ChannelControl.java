package dev.wormholes.node.api;

import com.google.gson.JsonObject;
import java.util.concurrent.CompletableFuture;

/**
 * What the control API may do with channels (node/channels). A channel is named by its id or,
 * where unique, its name. Futures complete with the documented JSON or fail with {@link
 * ApiException}.
 */
public interface ChannelControl {
  /** Create a channel called {@code name}, owned by this node: {@code {"id","name"}}. */
  CompletableFuture<JsonObject> create(String name);

  /** A one-time link into {@code channel} valid {@code expiresSeconds}: {@code {"link"}}. */
  CompletableFuture<JsonObject> invite(String channel, long expiresSeconds);

  /** Join with {@code link} (asks the owner's node): {@code {"id","name"}}. */
  CompletableFuture<JsonObject> join(String link);

  /** Forget {@code channel} on this node: {@code {"id"}}. */
  CompletableFuture<JsonObject> leave(String channel);

  /** Post {@code text} to {@code channel}: {@code {"id","seq"}}. */
  CompletableFuture<JsonObject> post(String channel, String text);

  /** Remove {@code member} (a node id or a contact's petname) from {@code channel}: {@code {"id","epoch"}}. */
  CompletableFuture<JsonObject> remove(String channel, String member);

  /** The posts of {@code channel}: {@code {"id","name","epoch","member","members":[..],"posts":[{"author","seq","epoch","sentAt","text"}],"dropped":{..}}}. */
  CompletableFuture<JsonObject> read(String channel);

  /** Every channel held: {@code {"channels":[{"id","name","owner","member","members","posts","epoch"}],"dropped":{..}}}. */
  CompletableFuture<JsonObject> list();
}
