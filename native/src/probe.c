/* placeholder */
#include "common.h"
void rv_probe_init(napi_env env, napi_value exports) { (void)env; (void)exports; }
