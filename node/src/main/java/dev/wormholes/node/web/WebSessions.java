package dev.wormholes.node.web;

import com.google.common.io.BaseEncoding;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Who may see the status page. {@link #newCode()} makes a one-time login code (what {@code
 * wormholes web} puts in its URL); {@link #redeem} trades it, once and before it expires, for a
 * session token (the browser's cookie) with its own CSRF token for forms. Codes and sessions are
 * 256-bit random, compared in constant time, bounded in number (the oldest goes first) and in age.
 * Thread-safe.
 */
public final class WebSessions {
  /** How long a login code is valid. */
  public static final long CODE_TTL_MS = 5 * 60_000L;
  /** How long a session lasts. */
  public static final long SESSION_TTL_MS = 12 * 3600_000L;
  /** Most login codes outstanding at once. */
  static final int MAX_CODES = 8;
  /** Most sessions at once. */
  static final int MAX_SESSIONS = 16;

  private static final BaseEncoding HEX = BaseEncoding.base16().lowerCase();

  private final SecureRandom random;
  private final LongSupplier nowMs;
  // Guarded by this; oldest first.
  private final List<Entry> codes = new ArrayList<>();
  private final List<Entry> sessions = new ArrayList<>();

  private record Entry(String token, String csrf, long expiresMs) {}

  /** Draw tokens from {@code random}; read the time from {@code nowMs}. */
  public WebSessions(SecureRandom random, LongSupplier nowMs) {
    this.random = random;
    this.nowMs = nowMs;
  }

  /** Return a new one-time login code. */
  public synchronized String newCode() {
    expire();
    if (codes.size() >= MAX_CODES) {
      codes.remove(0);
    }
    Entry e = new Entry(token(), "", nowMs.getAsLong() + CODE_TTL_MS);
    codes.add(e);
    return e.token();
  }

  /** Use up {@code code}; return a new session token if it was valid, else empty. */
  public synchronized Optional<String> redeem(String code) {
    expire();
    Entry c = find(codes, code);
    if (c == null) {
      return Optional.empty();
    }
    codes.remove(c);
    if (sessions.size() >= MAX_SESSIONS) {
      sessions.remove(0);
    }
    Entry s = new Entry(token(), token(), nowMs.getAsLong() + SESSION_TTL_MS);
    sessions.add(s);
    return Optional.of(s.token());
  }

  /** Return the CSRF token of the live session {@code session}, or empty if there is none. */
  public synchronized Optional<String> csrfOf(String session) {
    expire();
    Entry s = find(sessions, session);
    return s == null ? Optional.empty() : Optional.of(s.csrf());
  }

  /** End the session {@code session}, if it is live. */
  public synchronized void end(String session) {
    Entry s = find(sessions, session);
    if (s != null) {
      sessions.remove(s);
    }
  }

  /** Return whether {@code a} equals {@code b}, in time that does not depend on where they differ. */
  public static boolean same(String a, String b) {
    return a != null && b != null
        && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  // Look at every entry, so the time taken does not say which one matched.
  private static Entry find(List<Entry> list, String token) {
    Entry found = null;
    for (Entry e : list) {
      if (same(e.token(), token)) {
        found = e;
      }
    }
    return found;
  }

  private void expire() {
    long now = nowMs.getAsLong();
    codes.removeIf(e -> e.expiresMs() <= now);
    sessions.removeIf(e -> e.expiresMs() <= now);
  }

  private String token() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return HEX.encode(b);
  }
}
