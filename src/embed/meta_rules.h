/* The metadata feature rules (data/meta_rules.tsv, compiled in): which
 * elements are identifying and never become features, which multi-valued
 * elements are split into columns, which are DICOM age strings. */
#ifndef RN_EMBED_META_RULES_H
#define RN_EMBED_META_RULES_H

#include "embed/strmap.h"

typedef struct RnMetaRules RnMetaRules;

RnMetaRules *rn_meta_rules_parse(const char *text, size_t n, RnError **err);
RnMetaRules *rn_meta_rules_builtin(RnError **err);
void rn_meta_rules_free(RnMetaRules *r);
/* True when an element with this keyword and VR must never be a feature. */
bool rn_meta_rules_identifying(const RnMetaRules *r, const char *keyword, const char *vr);
/* Columns a multi-valued element is split into; 0 = not split. */
unsigned rn_meta_rules_split(const RnMetaRules *r, const char *keyword);
bool rn_meta_rules_is_age(const RnMetaRules *r, const char *keyword);

#endif
