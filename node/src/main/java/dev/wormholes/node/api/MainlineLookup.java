package dev.wormholes.node.api;

import com.google.common.io.BaseEncoding;
import com.google.gson.JsonObject;
import dev.wormholes.node.mainline.MainlineAgent;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import dev.wormholes.proto.wire.StoredValue;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code GET /v1/lookup/ID_OR_KEY}: a node id (52 base32 characters) or an Ed25519 public key (64
 * hex digits). The overlay DHT is asked first; when it has no record (or no peers) and the node
 * uses mainline, the BEP 44 item of the key is asked there. Mainline needs the public key: given,
 * or from a presence record of that id this node holds. The answer's {@code source} says which
 * answered: {@code overlay} or {@code mainline}.
 */
final class MainlineLookup {
  private MainlineLookup() {}

  static CompletableFuture<JsonObject> lookup(ApiRoutes routes, String text) {
    byte[] key = text.matches("[0-9a-fA-F]{64}") ? BaseEncoding.base16().lowerCase().decode(text.toLowerCase()) : null;
    NodeId id = key != null ? Identity.idOf(key) : ApiRoutes.nodeId(text);
    CompletableFuture<JsonObject> overlay = routes.lookup(id).thenApply(o -> withSource(o, "overlay"));
    MainlineAgent mainline = routes.mainline();
    if (mainline == null) {
      return overlay;
    }
    return overlay.handle((o, t) -> t == null ? CompletableFuture.completedFuture(o)
        : knownKey(routes, id, key).thenCompose(k -> k.isEmpty() ? CompletableFuture.<JsonObject>failedFuture(noKey(t))
            : mainline.lookup(k.get()).thenCompose(p -> p.isEmpty()
                ? CompletableFuture.<JsonObject>failedFuture(notFound(id, t))
                : CompletableFuture.completedFuture(withSource(ApiJson.presence(p.get()), "mainline")))))
        .thenCompose(f -> f);
  }

  private static CompletableFuture<Optional<byte[]>> knownKey(ApiRoutes routes, NodeId id, byte[] given) {
    if (given != null) {
      return CompletableFuture.completedFuture(Optional.of(given));
    }
    return routes.runtime().call((e, now) -> {
      StoredValue held = e.store().get(id);
      return held == null ? Optional.<byte[]>empty()
          : DhtValues.parsePresence(held).map(p -> p.getPublicKey().toByteArray());
    });
  }

  private static Throwable notFound(NodeId id, Throwable overlayFailure) {
    return new ApiException(404, why(overlayFailure) + "; mainline has no valid record for " + id + " either");
  }

  private static Throwable noKey(Throwable overlayFailure) {
    Throwable c = cause(overlayFailure);
    return new ApiException(c instanceof ApiException a ? a.status() : 404, why(overlayFailure)
        + "; mainline needs the node's public key (wormholes lookup PUBLIC_KEY, 64 hex digits)");
  }

  private static String why(Throwable overlayFailure) {
    Throwable c = cause(overlayFailure);
    return c instanceof ApiException a ? a.getMessage() : "the overlay lookup failed";
  }

  private static Throwable cause(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private static JsonObject withSource(JsonObject o, String source) {
    o.addProperty("source", source);
    return o;
  }
}
