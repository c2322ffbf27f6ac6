package dev.wormholes.people;

import com.google.protobuf.ByteString;
import dev.wormholes.people.wire.InviteAccept;
import dev.wormholes.people.wire.InviteAnswer;
import java.security.MessageDigest;

/**
 * The acceptor's side of a link invite: the {@link InviteAccept} to send to the inviter's node,
 * and the check of its {@link InviteAnswer}. The inviter's side is {@link Invites}.
 */
public final class InviteHandshake {
  private InviteHandshake() {}

  /** The outcome of checking an answer. */
  public sealed interface Result {
    /** The inviter is who its log says, proven by the secret; {@code petnameHint} as it asked. */
    record Accepted(KeyLog inviter, String petnameHint) implements Result {}

    /** The handshake failed; one sentence for a person. */
    record Failed(String reason) implements Result {}
  }

  /** Return the accept of {@code invite} by the persona of {@code mine}. */
  public static InviteAccept accept(Invite invite, KeyLog mine, String petnameHint) {
    return InviteAccept.newBuilder()
        .setInviteTag(ByteString.copyFrom(Invite.tag(invite.secret())))
        .setLog(ContactCodec.wire(mine))
        .setProof(ByteString.copyFrom(Invites.acceptProof(invite.secret(), invite.persona(), mine)))
        .setPetnameHint(petnameHint)
        .build();
  }

  /** Check the inviter's answer to this side's accept of {@code invite}. */
  public static Result check(Invite invite, KeyLog mine, InviteAnswer answer) {
    if (!answer.getOk()) {
      return new Result.Failed("the inviter refused: " + answer.getRefusal());
    }
    if (!(KeyLog.decode(answer.getLog().toByteArray()) instanceof LogResult.Valid v)) {
      return new Result.Failed("the inviter's key log does not verify");
    }
    KeyLog inviter = v.log();
    if (!inviter.state().persona().equals(invite.persona())) {
      return new Result.Failed("the inviter answered with the log of another persona");
    }
    if (!inviter.state().hasDevice(invite.node())) {
      return new Result.Failed("the node that answered is not a device of the inviter's persona");
    }
    byte[] expected = Invites.answerProof(invite.secret(), mine.state().persona(), inviter);
    if (!MessageDigest.isEqual(expected, answer.getProof().toByteArray())) {
      return new Result.Failed("the inviter does not know the invite's secret");
    }
    return new Result.Accepted(inviter, answer.getPetnameHint());
  }
}
