package dev.wormholes.people;

import dev.wormholes.proto.NodeId;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a verified key log says now.
 *
 * @param persona the persona id (digest of the inception)
 * @param seq the seq of the last event
 * @param head the digest of the last event
 * @param signingKey the current signing key (32 bytes)
 * @param nextKeyDigest SHA-256 of the pre-committed next signing key
 * @param devices node id to device public key of every device that speaks for the persona, in
 *     the order they were added
 * @param abandoned whether the log ends in an abandon
 */
public record KeyState(
    PersonaId persona,
    long seq,
    LogHead head,
    byte[] signingKey,
    byte[] nextKeyDigest,
    Map<NodeId, byte[]> devices,
    boolean abandoned) {

  /** Copy the arrays and the map so that the state is immutable. */
  public KeyState {
    signingKey = signingKey.clone();
    nextKeyDigest = nextKeyDigest.clone();
    devices = Collections.unmodifiableMap(new LinkedHashMap<>(devices));
  }

  @Override
  public byte[] signingKey() {
    return signingKey.clone();
  }

  @Override
  public byte[] nextKeyDigest() {
    return nextKeyDigest.clone();
  }

  /** Return whether {@code node} is a device of this persona now. */
  public boolean hasDevice(NodeId node) {
    return devices.containsKey(node) && !abandoned;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyState k && persona.equals(k.persona) && seq == k.seq && head.equals(k.head)
        && Arrays.equals(signingKey, k.signingKey) && Arrays.equals(nextKeyDigest, k.nextKeyDigest)
        && devices.keySet().equals(k.devices.keySet()) && abandoned == k.abandoned;
  }

  @Override
  public int hashCode() {
    return head.hashCode();
  }

  @Override
  public String toString() {
    return "KeyState(" + persona + " seq " + seq + ", " + devices.size() + " devices"
        + (abandoned ? ", abandoned)" : ")");
  }
}
