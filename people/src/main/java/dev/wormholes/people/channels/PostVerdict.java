package dev.wormholes.people.channels;

/** What {@link Channel#offer} made of one post: taken, already held, or why it was dropped. */
public enum PostVerdict {
  /** New, verified, appended to its author's chain. */
  ACCEPTED,
  /** Held already (the same body). */
  DUPLICATE,
  /** Over the size limit or not a well-formed post. */
  MALFORMED,
  /** Of another channel. */
  WRONG_CHANNEL,
  /** The signature does not verify under the author's key. */
  BAD_SIGNATURE,
  /** The author is not on the roster (and no removal keeps this post). */
  NOT_MEMBER,
  /** By a removed member, after the last post the owner kept when removing it. */
  CUT,
  /** Sealed under an epoch newer than the roster held: the roster comes first. */
  FUTURE_EPOCH,
  /** The author's previous post is not held yet: anti-entropy brings it first. */
  GAP,
  /** Does not follow the author's previous post (its {@code prev} names another). */
  BROKEN_CHAIN,
  /** A second, different post at a sequence number already held: the author equivocated. */
  FORKED,
  /** A removal that the author, not being an admin, may not make. */
  NOT_OWNER,
  /** The author holds {@link Channel#MAX_POSTS_PER_AUTHOR} posts here already. */
  AUTHOR_FULL,
  /** The channel holds {@link Channel#MAX_POSTS} posts already. */
  CHANNEL_FULL,
  /** The sender used up its budget of posts to verify. */
  OVER_BUDGET;

  /** Return whether the post was dropped (neither accepted nor held). */
  public boolean dropped() {
    return this != ACCEPTED && this != DUPLICATE;
  }
}
