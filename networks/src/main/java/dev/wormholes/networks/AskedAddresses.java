package dev.wormholes.networks;

import java.net.InetSocketAddress;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The addresses one round of requests went to, on the asking side of {@link AddressCookies}: a
 * challenge (a cookie to echo) from one of them is followed up once, so a challenge whose source
 * is forged, or a second copy of one, makes the asker send nothing new. At most {@link #MAX}
 * addresses a round.
 */
public final class AskedAddresses {
  /** Most addresses one round asks. */
  public static final int MAX = 64;

  private final Set<InetSocketAddress> asked = new LinkedHashSet<>();

  /** Remember that this round's request went to {@code to}. */
  public void asked(InetSocketAddress to) {
    if (asked.size() < MAX) {
      asked.add(to);
    }
  }

  /** Return whether to follow up a challenge from {@code from}: this round asked it and has not followed one from it yet. */
  public boolean followUp(InetSocketAddress from) {
    return asked.remove(from);
  }

  /** Start a new round: forget the addresses asked. */
  public void clear() {
    asked.clear();
  }
}
