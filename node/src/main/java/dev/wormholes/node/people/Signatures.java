package dev.wormholes.node.people;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.wormholes.node.api.ApiException;
import dev.wormholes.people.KeyLog;
import dev.wormholes.people.SignedText;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * {@code sign} and {@code verify}: ASCII-armoured messages signed by the persona's current key
 * with the signer's key log inside ({@link SignedText}). A verified signer that is a contact is
 * judged against the pinned log (an explained change re-pins, an unexplained one blocks). Both hold
 * the {@link People} lock.
 */
final class Signatures {
  private Signatures() {}

  /** Sign {@code message} as {@code p}'s persona; 409 if this device does not hold the current key. */
  static JsonObject sign(People p, byte[] message) {
    synchronized (p) {
      if (!p.canSign()) {
        throw new ApiException(409, "this device does not hold the persona's current signing key (it was rotated on another device)");
      }
      KeyLog log = p.log();
      JsonObject o = new JsonObject();
      o.addProperty("armored", SignedText.sign(message, p.signer(), log));
      o.addProperty("persona", log.state().persona().toString());
      o.addProperty("seq", log.state().seq());
      return o;
    }
  }

  /** Verify the signed message in {@code armored}; the answer says why when it is not good. */
  static JsonObject verify(People p, String armored) {
    JsonObject o = new JsonObject();
    SignedText.Result r = SignedText.verify(armored);
    if (r instanceof SignedText.Result.Invalid i) {
      o.addProperty("valid", false);
      o.addProperty("reason", switch (i.failure()) {
        case NOT_ARMORED -> "no " + SignedText.LABEL + " block in the text";
        case TOO_LARGE -> "the signed message is too large";
        case MALFORMED -> "the block is not a signed message";
        case BAD_LOG -> "the signer's key log does not verify";
        case BAD_SIGNATURE -> "the signature does not match the message and the signer's current key";
      });
      return o;
    }
    SignedText.Result.Valid v = (SignedText.Result.Valid) r;
    KeyLog theirs = v.log();
    // What the contact's pinned log says about this log: re-pin on an explained change, block on
    // an unexplained one (the signature is then reported as good but the contact as blocked).
    JsonArray notes = new JsonArray();
    synchronized (p) {
      p.book().observeLog(theirs).forEach(e -> notes.add(e.text()));
      p.book().byPersona(theirs.state().persona()).ifPresent(c -> {
        p.save(c);
        o.addProperty("contact", c.petname());
        o.addProperty("contactState", c.state().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        c.blockReason().ifPresent(reason -> o.addProperty("blockReason", reason));
      });
      o.addProperty("valid", true);
      o.addProperty("persona", theirs.state().persona().toString());
      o.addProperty("self", theirs.state().persona().equals(p.log().state().persona()));
    }
    o.addProperty("seq", theirs.state().seq());
    byte[] m = v.message();
    java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
    try {
      o.addProperty("message", utf8.decode(java.nio.ByteBuffer.wrap(m)).toString());
    } catch (java.nio.charset.CharacterCodingException e) {
      // Not text: base64 only.
    }
    o.addProperty("messageBase64", java.util.Base64.getEncoder().encodeToString(m));
    o.add("notes", notes);
    return o;
  }
}
