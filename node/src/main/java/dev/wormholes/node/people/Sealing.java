package dev.wormholes.node.people;

import com.google.crypto.tink.HybridDecrypt;
import com.google.crypto.tink.HybridEncrypt;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.hybrid.HpkeParameters;
import com.google.crypto.tink.hybrid.HpkePrivateKey;
import com.google.crypto.tink.hybrid.HpkePublicKey;
import com.google.crypto.tink.hybrid.HybridConfig;
import com.google.crypto.tink.util.Bytes;
import com.google.crypto.tink.util.SecretBytes;
import com.google.gson.JsonObject;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.people.Contact;
import dev.wormholes.people.ContactState;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.PersonaId;
import dev.wormholes.people.SealedText;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code encrypt --to NAME|PERSONA} and {@code decrypt}: HPKE (RFC 9180) through Tink, base mode,
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, to the persona's current key as
 * {@link SealedText} derives it from the key log; what may be sealed to whom and opened by whom is
 * {@link SealedText}'s decision.
 */
final class Sealing {
  private static final HpkeParameters PARAMETERS;

  static {
    try {
      HybridConfig.register();
      PARAMETERS = HpkeParameters.builder()
          .setVariant(HpkeParameters.Variant.NO_PREFIX)
          .setKemId(HpkeParameters.KemId.DHKEM_X25519_HKDF_SHA256)
          .setKdfId(HpkeParameters.KdfId.HKDF_SHA256)
          .setAeadId(HpkeParameters.AeadId.CHACHA20_POLY1305)
          .build();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private Sealing() {}

  /** Encrypt {@code message} to the contact called {@code to} (a petname or a contact's persona id), or to this persona. */
  static JsonObject encrypt(People p, String to, byte[] message) {
    if (message.length > SealedText.MAX_MESSAGE) {
      throw new ApiException(413, "the message is " + message.length + " bytes; the limit is " + SealedText.MAX_MESSAGE);
    }
    KeyLog log;
    String name;
    synchronized (p) {
      Optional<PersonaId> asId = PersonaId.parse(to.trim());
      Optional<Contact> c = asId.isPresent() ? p.contactOf(asId.get()) : p.book().get(to.trim().toLowerCase(Locale.ROOT));
      if (asId.isPresent() && asId.get().equals(p.log().state().persona())) {
        log = p.log();
        name = "you";
      } else if (c.isEmpty()) {
        throw new ApiException(404, "no contact is called '" + ApiException.clip(to) + "' (encrypt needs the person's key"
            + " log: add them with invite/accept or request first)");
      } else if (c.get().state() == ContactState.BLOCKED) {
        throw new ApiException(409, "contact " + c.get().petname() + " is blocked ("
            + c.get().blockReason().orElse("blocked") + "): its key is not trusted; verify and unblock first");
      } else {
        log = c.get().log();
        name = c.get().petname();
      }
    }
    if (SealedText.refusalToSeal(log).isPresent()) {
      throw new ApiException(409, name + " abandoned the persona: its keys are revoked");
    }
    PersonaId persona = log.state().persona();
    byte[] key = log.state().signingKey();
    byte[] sealed;
    try {
      sealed = seal(persona, key, message).orElseThrow(() -> new ApiException(409, name + "'s key has no X25519 form"));
    } catch (GeneralSecurityException e) {
      throw new ApiException(500, "HPKE sealing failed: " + e.getMessage());
    }
    JsonObject o = new JsonObject();
    o.addProperty("armored", SealedText.armor(persona, key, sealed));
    o.addProperty("to", name);
    o.addProperty("persona", persona.toString());
    o.addProperty("seq", log.state().seq());
    return o;
  }

  /** Decrypt an armoured message sealed to this persona. */
  static JsonObject decrypt(People p, String armored) {
    SealedText.Parsed parsed = SealedText.parse(armored);
    if (parsed instanceof SealedText.Parsed.Invalid i) {
      throw new ApiException(400, switch (i.failure()) {
        case NOT_ARMORED -> "no " + SealedText.LABEL + " block in the text";
        case TOO_LARGE -> "the encrypted message is too large";
        case MALFORMED -> "the block is not an encrypted message";
      });
    }
    SealedText.Parsed.Sealed s = (SealedText.Parsed.Sealed) parsed;
    KeyLog mine;
    byte[] seed;
    synchronized (p) {
      mine = p.log();
      seed = p.signer().seed();
      Optional<SealedText.Refusal> no = SealedText.refusalToOpen(s, mine, p.signer().publicKey());
      if (no.isPresent()) {
        throw new ApiException(409, switch (no.get()) {
          case NOT_FOR_YOU -> "this message is encrypted to persona " + s.persona() + ", not yours";
          case ABANDONED -> "your persona was abandoned: its keys are revoked";
          case OLD_KEY -> "this message is encrypted to an earlier key of your persona (rotated away at or before seq "
              + mine.state().seq() + "): the sender holds an old copy of your key log; ask them to encrypt again";
          case KEY_NOT_HERE -> "this device does not hold your persona's current key (it was rotated on another device)";
        });
      }
    }
    byte[] message;
    try {
      message = open(s.persona(), s.signingKey(), seed, s.sealed())
          .orElseThrow(() -> new ApiException(409, "your key has no X25519 form"));
    } catch (GeneralSecurityException e) {
      throw new ApiException(422, "the encrypted message was changed or damaged (HPKE authentication failed)");
    }
    JsonObject o = new JsonObject();
    o.addProperty("persona", s.persona().toString());
    java.nio.charset.CharsetDecoder utf8 = java.nio.charset.StandardCharsets.UTF_8.newDecoder();
    try {
      o.addProperty("message", utf8.decode(java.nio.ByteBuffer.wrap(message)).toString());
    } catch (java.nio.charset.CharacterCodingException e) {
      // Not text: base64 only.
    }
    o.addProperty("messageBase64", Base64.getEncoder().encodeToString(message));
    return o;
  }

  /**
   * Return {@code message} sealed (HPKE, the parameters above) to {@code persona}'s key {@code
   * key}, or empty if the key has no X25519 form.
   */
  static Optional<byte[]> seal(PersonaId persona, byte[] key, byte[] message) throws GeneralSecurityException {
    Optional<byte[]> x = SealedText.x25519Public(key);
    if (x.isEmpty()) {
      return Optional.empty();
    }
    HpkePublicKey pub = HpkePublicKey.create(PARAMETERS, Bytes.copyFrom(x.get()), null);
    HybridEncrypt e = KeysetHandle.newBuilder()
        .addEntry(KeysetHandle.importKey(pub).withRandomId().makePrimary()).build()
        .getPrimitive(RegistryConfiguration.get(), HybridEncrypt.class);
    return Optional.of(e.encrypt(message, SealedText.info(persona, key)));
  }

  /**
   * Return {@code sealed} (by {@link #seal} to {@code persona}'s key {@code key}) opened with the
   * key's {@code seed}, or empty if the key has no X25519 form; throw if it does not open.
   */
  static Optional<byte[]> open(PersonaId persona, byte[] key, byte[] seed, byte[] sealed) throws GeneralSecurityException {
    Optional<byte[]> x = SealedText.x25519Public(key);
    if (x.isEmpty()) {
      return Optional.empty();
    }
    HpkePublicKey pub = HpkePublicKey.create(PARAMETERS, Bytes.copyFrom(x.get()), null);
    HpkePrivateKey priv = HpkePrivateKey.create(pub,
        SecretBytes.copyFrom(SealedText.x25519Private(seed), InsecureSecretKeyAccess.get()));
    HybridDecrypt d = KeysetHandle.newBuilder()
        .addEntry(KeysetHandle.importKey(priv).withRandomId().makePrimary()).build()
        .getPrimitive(RegistryConfiguration.get(), HybridDecrypt.class);
    return Optional.of(d.decrypt(sealed, SealedText.info(persona, key)));
  }
}
