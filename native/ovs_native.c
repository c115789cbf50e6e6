/* ovs_native: the few system calls Node.js cannot make by itself.
 *
 * Exposed to TypeScript through lib/native.ts.  Everything else stays in
 * TypeScript; each function here is a thin wrapper that returns 0 or a
 * positive errno value rather than throwing.
 *
 *   fcntlLock(fd, wait)  -> errno   take a write lock on the whole file (F_SETLK[W])
 *   fcntlGetLock(fd)     -> pid | 0 | -errno   pid holding a conflicting lock, 0 if none
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static int32_t
arg_int(napi_env env, napi_value v)
{
    int32_t x = -1;
    napi_get_value_int32(env, v, &x);
    return x;
}

static napi_value
make_int(napi_env env, int64_t x)
{
    napi_value v;
    napi_create_int64(env, x, &v);
    return v;
}

static napi_value
fcntl_lock(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2];
    bool wait = false;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc < 1) {
        return make_int(env, EINVAL);
    }
    if (argc > 1) {
        napi_get_value_bool(env, argv[1], &wait);
    }

    struct flock lck;
    memset(&lck, 0, sizeof lck);
    lck.l_type = F_WRLCK;
    lck.l_whence = SEEK_SET;
    int r = fcntl(arg_int(env, argv[0]), wait ? F_SETLKW : F_SETLK, &lck);
    return make_int(env, r < 0 ? errno : 0);
}

static napi_value
fcntl_get_lock(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1];

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc < 1) {
        return make_int(env, -EINVAL);
    }

    struct flock lck;
    memset(&lck, 0, sizeof lck);
    lck.l_type = F_WRLCK;
    lck.l_whence = SEEK_SET;
    if (fcntl(arg_int(env, argv[0]), F_GETLK, &lck) < 0) {
        return make_int(env, -errno);
    }
    return make_int(env, lck.l_type == F_UNLCK ? 0 : lck.l_pid);
}

static napi_value
init(napi_env env, napi_value exports)
{
    napi_property_descriptor props[] = {
        { "fcntlLock", NULL, fcntl_lock, NULL, NULL, NULL, napi_default, NULL },
        { "fcntlGetLock", NULL, fcntl_get_lock, NULL, NULL, NULL, napi_default, NULL },
    };
    napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
