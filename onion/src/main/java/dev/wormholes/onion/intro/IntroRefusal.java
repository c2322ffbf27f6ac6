package dev.wormholes.onion.intro;

/** Why {@link Introductions} refused a message; each is counted, and the circuit closed unless said. */
public enum IntroRefusal {
  /** A body that does not decode. */
  MALFORMED,
  /** A message this end of this circuit does not take (a client command at a service, ...). */
  UNEXPECTED,
  /** An ESTABLISH_INTRO beyond the signature-check budget. */
  ESTABLISH_BUDGET,
  /** An ESTABLISH_INTRO whose signature did not verify. */
  BAD_SIGNATURE,
  /** An ESTABLISH_INTRO while this node introduces {@code maxIntroCircuits} services. */
  INTRO_CIRCUITS_FULL,
  /** An INTRODUCE1 naming an auth key nobody established here (answered, the circuit kept). */
  UNKNOWN_AUTH_KEY,
  /** An INTRODUCE1 beyond its service circuit's rate (answered, the circuit kept). */
  INTRODUCE_RATE_CIRCUIT,
  /** An INTRODUCE1 beyond the introduction point's overall rate (answered, the circuit kept). */
  INTRODUCE_RATE_TOTAL,
  /** A second INTRODUCE1 on one client circuit. */
  SECOND_INTRODUCE,
  /** An ESTABLISH_RENDEZVOUS with a cookie in use, or a second one on a circuit. */
  COOKIE_IN_USE,
  /** An ESTABLISH_RENDEZVOUS while this node holds {@code maxCookies}. */
  COOKIES_FULL,
  /** An ESTABLISH_RENDEZVOUS on a circuit from a neighbour whose circuits hold {@code maxCookiesPerNeighbour}. */
  COOKIES_PER_NEIGHBOUR,
  /** A RENDEZVOUS1 with a cookie nobody established here. */
  UNKNOWN_COOKIE,
  /** An INTRODUCE2 on an intro point's keys older than {@code introLifetimeMs} (circuit kept). */
  INTRO_EXPIRED,
  /** An INTRODUCE2 beyond the service's handshake budget (circuit kept). */
  SERVICE_BUDGET,
  /** An INTRODUCE2 (circuit kept) or RENDEZVOUS2 whose handshake did not verify. */
  HANDSHAKE_FAILED,
  /** An INTRODUCE2 seen before (circuit kept). */
  REPLAY,
  /** An INTRODUCE2 while the replay cache is full of live entries, or too many pending (circuit kept). */
  SERVICE_FULL
}
