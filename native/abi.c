/* Which sources the library was built from: the TypeScript bundle knows
 * the same fingerprint of the headers it was written against, and a
 * library from other sources (a stale build or prebuilt copy) is rebuilt
 * or refused before a call could cross a changed struct. */
#include "containers.h"

#ifndef CT_ABI
#define CT_ABI ""
#endif

CT_EXPORT const char *ct_abi(void) {
  return CT_ABI;
}
