/**
 * What the three services' meters share: the common {@code application} and {@code model} tags.
 *
 * <p>Classes: {@code CommonTags}.
 */
package io.vbpstream.platform.observe;
