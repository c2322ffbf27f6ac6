package dev.wormholes.node.path;

import dev.wormholes.nat.node.PathEngine;
import dev.wormholes.nat.punch.HolePunch;
import java.util.Locale;

/** How a path to a node came about, best first; {@link #wireName()} is what people and scripts see. */
public enum PathKind {
  /** This node itself, over loopback. */
  SELF,
  /** The node's LAN endpoint answered: same network. */
  LAN,
  /** The node's public (observed) endpoint answered without help. */
  DIRECT,
  /** The node's port-mapped endpoint (PCP, NAT-PMP, UPnP-IGD) answered. */
  MAPPED,
  /** Both NATs were opened by a hole punch coordinated through a rendezvous peer. */
  PUNCHED,
  /** Packets go through a relay peer; end-to-end encryption is unchanged. */
  RELAYED;

  /** Return the lower-case name: {@code self, lan, direct, mapped, punched, relayed}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Return the ladder's name for a path the punch engine found. */
  public static PathKind of(HolePunch.PathKind kind) {
    return of(PathEngine.Rung.of(kind));
  }

  /** Return the name people see for a rung of the ladder (a birthday punch is punched). */
  public static PathKind of(PathEngine.Rung rung) {
    return switch (rung) {
      case LAN -> LAN;
      case DIRECT -> DIRECT;
      case MAPPED -> MAPPED;
      case PUNCHED, BIRTHDAY -> PUNCHED;
      case RELAYED -> RELAYED;
    };
  }

  /** Return whether this path goes through no other node. */
  public boolean isDirect() {
    return this != RELAYED;
  }
}
