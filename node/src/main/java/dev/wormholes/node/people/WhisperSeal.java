package dev.wormholes.node.people;

import dev.wormholes.people.KeyLog;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.SealedText;
import dev.wormholes.proto.Identity;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Optional;

/**
 * A whisper sealed end to end for a mailbox friend to hold: HPKE through Tink ({@link Sealing}'s
 * parameters) to the recipient persona's current key as this node's copy of its key log says, so
 * the holder learns only the size and the depositing device. The blob is the key it was sealed to
 * (32 bytes, so the owner tells a message to an earlier key from a damaged one) followed by the
 * HPKE output. The signed whisper inside is checked by the recipient as a direct one.
 */
public final class WhisperSeal {
  private WhisperSeal() {}

  /** What opening a blob gave. */
  public sealed interface Opened {}

  /** The signed whisper inside. */
  public record Message(byte[] bytes) implements Opened {}

  /** Sealed to this persona's current key, which another device of the persona holds: leave it for that one. */
  public record NotHere() implements Opened {}

  /** Not for this persona's current key, altered or damaged: it will never open. */
  public record Bad(String why) implements Opened {}

  /** Return {@code message} sealed to contact persona {@code to}, or empty (no contact, abandoned, no X25519 form). */
  public static Optional<byte[]> seal(People p, PersonaId to, byte[] message) {
    Optional<KeyLog> log = p.contactLog(to);
    if (log.isEmpty() || SealedText.refusalToSeal(log.get()).isPresent()) {
      return Optional.empty();
    }
    byte[] key = log.get().state().signingKey();
    try {
      return Sealing.seal(to, key, message).map(sealed -> {
        byte[] out = Arrays.copyOf(key, key.length + sealed.length);
        System.arraycopy(sealed, 0, out, key.length, sealed.length);
        return out;
      });
    } catch (GeneralSecurityException e) {
      return Optional.empty();
    }
  }

  /** Open {@code blob}, sealed to the persona this node is a device of. */
  public static Opened open(People p, byte[] blob) {
    if (blob.length <= Identity.PUBLIC_KEY_BYTES) {
      return new Bad("too short");
    }
    byte[] key = Arrays.copyOf(blob, Identity.PUBLIC_KEY_BYTES);
    KeyLog mine;
    Identity signer;
    synchronized (p) {
      mine = p.log();
      signer = p.signer();
    }
    SealedText.Parsed.Sealed s = new SealedText.Parsed.Sealed(mine.state().persona(), key, new byte[0]);
    Optional<SealedText.Refusal> no = SealedText.refusalToOpen(s, mine, signer.publicKey());
    if (no.isPresent()) {
      return no.get() == SealedText.Refusal.KEY_NOT_HERE ? new NotHere() : new Bad(no.get().name().toLowerCase(java.util.Locale.ROOT));
    }
    try {
      return Sealing.open(mine.state().persona(), key, signer.seed(), Arrays.copyOfRange(blob, key.length, blob.length))
          .<Opened>map(Message::new).orElseGet(() -> new Bad("no X25519 form"));
    } catch (GeneralSecurityException e) {
      return new Bad("HPKE authentication failed");
    }
  }
}
