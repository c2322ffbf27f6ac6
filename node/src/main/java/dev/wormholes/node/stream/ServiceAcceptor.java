package dev.wormholes.node.stream;

/**
 * What an exposed service does with an incoming stream that passed its allow-list: install its
 * handlers on {@link SecureStream#channel()}, then call {@link SecureStream#accept()} (or
 * {@link SecureStream#refuse} if it cannot serve). Called on the stream's event loop; must not
 * block. An exception refuses the stream as {@code UNAVAILABLE}.
 */
@FunctionalInterface
public interface ServiceAcceptor {
  /** Take {@code stream}, which has not been answered yet. */
  void onStream(SecureStream stream) throws Exception;
}
