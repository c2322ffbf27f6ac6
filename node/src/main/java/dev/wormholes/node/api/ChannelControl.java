package dev.wormholes.node.api;

import com.google.gson.JsonObject;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What the control API may do with channels (node/channels). A channel is named by its id or,
 * where unique, its name. Futures complete with the documented JSON or fail with {@link
 * ApiException}.
 */
public interface ChannelControl {
  /** Create a channel called {@code name}, owned by this node: its summary, as in {@link #list()}. */
  CompletableFuture<JsonObject> create(String name);

  /**
   * A one-time link into {@code channel} valid {@code expiresSeconds}: the channel's summary, as
   * in {@link #list()}, and {@code "link"}.
   */
  CompletableFuture<JsonObject> invite(String channel, long expiresSeconds);

  /** Join with {@code link} (asks the owner's node): the channel's summary, as in {@link #list()}. */
  CompletableFuture<JsonObject> join(String link);

  /** Forget {@code channel} on this node: its summary as it was, as in {@link #list()}. */
  CompletableFuture<JsonObject> leave(String channel);

  /**
   * Post {@code text} to {@code channel}: its summary, as in {@link #list()}, and {@code "seq"}
   * (this node's newest post).
   */
  CompletableFuture<JsonObject> post(String channel, String text);

  /**
   * Remove {@code member} (a node id or a contact's petname) from {@code channel}: its summary,
   * as in {@link #list()}, at the new {@code "epoch"}.
   */
  CompletableFuture<JsonObject> remove(String channel, String member);

  /**
   * The posts of {@code channel}: its summary, as in {@link #list()}, with {@code
   * "posts":[{"author","from","seq","epoch","sentAt","text","removed"}]} ({@code "text"} only where
   * this node holds the epoch key, {@code "removed"} on the owner's removal of a member) and
   * {@code "dropped":{..}} (posts dropped by reason).
   */
  CompletableFuture<JsonObject> read(String channel);

  /**
   * Every channel held: {@code {"channels":[{"id","name","owner","member","members","posts",
   * "epoch"}],"refused":{..}}} (gossip messages refused, by reason).
   */
  CompletableFuture<JsonObject> list();

  /**
   * Return what channel gossip refused so far, by reason (zeros left out; callable from any thread):
   * messages ({@code malformed}, {@code unknown_channel}, {@code not_member}, {@code bad_roster}) and
   * posts ({@code post_} and the verdict: {@code post_bad_signature}, {@code post_over_budget},
   * {@code post_cut}, ...), summed over the channels held.
   */
  Map<String, Long> refused();
}
