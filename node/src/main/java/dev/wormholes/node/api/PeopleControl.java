package dev.wormholes.node.api;

import com.google.gson.JsonObject;
import java.util.concurrent.CompletableFuture;

/**
 * What the control API may do with the node's persona and contacts (node/people). Every method
 * answers the JSON the API documents, or throws {@link ApiException}.
 */
public interface PeopleControl {
  /** Return the persona: id, devices, log seq and head, stream refusals. */
  JsonObject whoami();

  /** Make a one-time invite valid {@code expiresSeconds}, for a person to be called {@code petname} (may be empty). */
  JsonObject invite(String petname, long expiresSeconds);

  /** Accept the invite {@code link} (calling the inviter {@code petname} if not empty). */
  CompletableFuture<JsonObject> accept(String link, String petname);

  /** Return every contact. */
  JsonObject contacts();

  /** Return {@code message} signed by the persona, ASCII-armoured. */
  JsonObject sign(byte[] message);

  /** Verify an armoured signed message; say who signed it (and whether that is a contact), or why not. */
  JsonObject verify(String armored);

  /** Apply {@code action} (rename, block, unblock, remove, verify) to contact {@code name}; {@code to}: the new petname. */
  JsonObject contact(String action, String name, String to);

  /** Rotate the persona's signing key to the pre-committed one given as recovery {@code code}. */
  default JsonObject rotate(String code) {
    throw new ApiException(501, "this node cannot rotate keys");
  }

  /**
   * On a fresh node: take back the persona whose recovery {@code code} this is, with this node as
   * its only device (every old device removed, the key rotated); the answer shows the next code.
   */
  default CompletableFuture<JsonObject> recover(String code) {
    throw new ApiException(501, "this node cannot recover personas");
  }

  /** Make a one-time link that pairs another machine as a device of this persona. */
  default JsonObject deviceInvite(long expiresSeconds) {
    throw new ApiException(501, "this node cannot pair devices");
  }

  /** Remove {@code device} from the persona; with a recovery {@code code} (may be empty), rotate too. */
  default JsonObject deviceRemove(String device, String code) {
    throw new ApiException(501, "this node cannot remove devices");
  }

  /** Read contact {@code name}'s records (fetching a newer log) and ask the other contacts which head they hold. */
  default CompletableFuture<JsonObject> check(String name) {
    throw new ApiException(501, "this node cannot corroborate");
  }

  /** Return what status shows of people: persona, log seq, alarms, blocked contacts. */
  default JsonObject status() {
    return new JsonObject();
  }

  /**
   * Ask {@code person} (a contact's petname, a persona id, or a device's node id) to become a
   * contact, calling them {@code petname}.
   */
  default CompletableFuture<JsonObject> request(String person, String petname, String message) {
    throw new ApiException(501, "this node cannot send contact requests");
  }

  /** Encrypt {@code message} to the contact (petname or persona id) {@code to}, ASCII-armoured. */
  default JsonObject encrypt(String to, byte[] message) {
    throw new ApiException(501, "this node cannot encrypt");
  }

  /** Decrypt an armoured message encrypted to this persona. */
  default JsonObject decrypt(String armored) {
    throw new ApiException(501, "this node cannot decrypt");
  }

  /** Make a one-time code valid {@code expiresSeconds} for a person to be called {@code petname} (may be empty). */
  default JsonObject inviteCode(String petname, long expiresSeconds) {
    throw new ApiException(501, "this node cannot make invite codes");
  }
}
