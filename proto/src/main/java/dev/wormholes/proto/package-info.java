/** Identity, node ids, wire schema helpers and size limits shared by every engine and runtime. */
package dev.wormholes.proto;
