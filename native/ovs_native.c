/* ovs_native: the few system calls Node.js cannot make by itself.
 *
 * Exposed to TypeScript through lib/native.ts (typed wrappers for the packet
 * I/O part live in datapath/netdev-linux-io.ts).  Everything else stays in
 * TypeScript; each function here is a thin wrapper that returns 0, a count or
 * a file descriptor, and a negative or positive errno value as documented,
 * rather than throwing.  Struct layouts (ifreq unions, ethtool commands,
 * virtio-net headers) are built and read by TypeScript; C only moves bytes.
 *
 *   fcntlLock(fd, wait)            -> errno   write-lock the whole file (F_SETLK[W])
 *   fcntlGetLock(fd)               -> pid | 0 | -errno
 *
 *   packetSocketOpen(ifindex, flags, bufSize) -> fd | -errno
 *       AF_PACKET/SOCK_RAW bound to 'ifindex', non-blocking, close-on-exec.
 *       flags: 1 PACKET_VNET_HDR, 2 PACKET_AUXDATA, 4 promiscuous,
 *              8 PACKET_IGNORE_OUTGOING.  bufSize > 0 sets SO_RCVBUF/SO_SNDBUF.
 *   recvBatch(fd, buf, offsets, capacity, sizes, aux, max) -> n | -errno
 *       recvmmsg(2) of up to 'max' packets; packet i lands at buf[offsets[i]]
 *       with room for 'capacity' bytes; sizes[i] is its full size (greater than
 *       'capacity' means truncated).  'aux' (Uint32Array, 2 per packet, may be
 *       null) gets tpacket_auxdata's tp_status and (tpid << 16 | tci).
 *   sendBatch(fd, buf, offsets, sizes, count) -> n | -errno
 *       sendmmsg(2); n < count when the socket filled up (EAGAIN) part way.
 *   readBatch / writeBatch            the same over read(2)/write(2), for tap fds.
 *   tapOpen(name, ifrFlags)           -> fd | -errno   open /dev/net/tun + TUNSETIFF
 *   fdIoctlInt(fd, request, arg)      -> 0 | errno     ioctl with an int argument
 *   ifreqIoctl(name, request, data)   -> 0 | errno
 *       ioctl on a control socket with a struct ifreq named 'name' whose
 *       24-byte union is copied from and back to 'data'.
 *   ethtoolIoctl(name, data)          -> 0 | errno     SIOCETHTOOL with ifr_data = data
 *   pollStart(fd, events, callback)   -> poller        uv_poll on this thread's loop;
 *       callback(events | -errno) runs on the loop (1 readable, 2 writable).
 *   pollUpdate(poller, events)        -> 0 | errno
 *   pollStop(poller)                  -> 0
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>

#define MAX_BATCH 256

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

/* The bytes of a typed array argument, or NULL (with *size 0) if it is not one. */
static void *
arg_bytes(napi_env env, napi_value v, size_t *size)
{
    bool is_ta = false;
    napi_typedarray_type type;
    size_t length = 0, offset;
    void *data = NULL;
    napi_value ab;

    *size = 0;
    if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) {
        return NULL;
    }
    napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset);
    switch (type) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array:
        *size = length; break;
    case napi_int16_array: case napi_uint16_array:
        *size = length * 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array:
        *size = length * 4; break;
    default:
        *size = length * 8; break;
    }
    return data;
}

/* ---- file locks ---------------------------------------------------------- */

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

/* ---- packet sockets ------------------------------------------------------ */

static napi_value
packet_socket_open(napi_env env, napi_callback_info info)
{
    size_t argc = 3;
    napi_value argv[3];
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc < 2) {
        return make_int(env, -EINVAL);
    }
    int ifindex = arg_int(env, argv[0]);
    int flags = arg_int(env, argv[1]);
    int bufsize = argc > 2 ? arg_int(env, argv[2]) : 0;
    int one = 1;

    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return make_int(env, -errno);
    }
    if ((flags & 1) && setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) {
        goto error;
    }
    if ((flags & 2) && setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0) {
        goto error;
    }
    if ((flags & 8) && setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0) {
        goto error;
    }
    if (bufsize > 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof bufsize);
        setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsize, sizeof bufsize);
    }

    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = ifindex;
    if (bind(fd, (struct sockaddr *) &sll, sizeof sll) < 0) {
        goto error;
    }
    if (flags & 4) {
        struct packet_mreq mr;
        memset(&mr, 0, sizeof mr);
        mr.mr_ifindex = ifindex;
        mr.mr_type = PACKET_MR_PROMISC;
        if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) {
            goto error;
        }
    }
    return make_int(env, fd);

error: {
        int e = errno;
        close(fd);
        return make_int(env, -e);
    }
}

/* Arguments shared by the four batch functions, checked against each other. */
struct batch_args {
    int fd;
    uint8_t *buf;
    size_t buf_size;
    uint32_t *offsets;
    size_t n_offsets;
    int32_t *sizes;
    size_t n_sizes;
    uint32_t *aux;
    size_t n_aux;
    uint32_t capacity;          /* Receive: room per packet. */
    int n;                      /* Max packets (receive) or count (send). */
};

/* Parses (fd, buf, offsets, [capacity,] sizes, [aux,] n); returns 0 or errno. */
static int
get_batch_args(napi_env env, napi_callback_info info, bool rx, bool with_aux,
               struct batch_args *a)
{
    size_t argc = 7;
    napi_value argv[7];
    size_t sz;
    size_t need = rx ? (with_aux ? 7 : 6) : 5;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc < need) {
        return EINVAL;
    }
    memset(a, 0, sizeof *a);
    int i = 0;
    a->fd = arg_int(env, argv[i++]);
    a->buf = arg_bytes(env, argv[i++], &a->buf_size);
    a->offsets = arg_bytes(env, argv[i++], &sz);
    a->n_offsets = sz / 4;
    if (rx) {
        a->capacity = (uint32_t) arg_int(env, argv[i++]);
    }
    a->sizes = arg_bytes(env, argv[i++], &sz);
    a->n_sizes = sz / 4;
    if (rx && with_aux) {
        a->aux = arg_bytes(env, argv[i++], &sz);
        a->n_aux = sz / 8;
    }
    a->n = arg_int(env, argv[i++]);
    if (!a->buf || !a->offsets || !a->sizes || a->n < 0) {
        return EINVAL;
    }
    if (a->n > MAX_BATCH) {
        a->n = MAX_BATCH;
    }
    if ((size_t) a->n > a->n_offsets || (size_t) a->n > a->n_sizes) {
        return EINVAL;
    }
    if (a->aux && (size_t) a->n > a->n_aux) {
        return EINVAL;
    }
    for (int k = 0; k < a->n; k++) {
        size_t len = rx ? a->capacity : (size_t) a->sizes[k];
        if (a->sizes[k] < 0 && !rx) {
            return EINVAL;
        }
        if (a->offsets[k] > a->buf_size || len > a->buf_size - a->offsets[k]) {
            return EINVAL;
        }
    }
    return 0;
}

static napi_value
recv_batch(napi_env env, napi_callback_info info)
{
    struct batch_args a;
    int err = get_batch_args(env, info, true, true, &a);
    if (err) {
        return make_int(env, -err);
    }
    if (a.n == 0) {
        return make_int(env, 0);
    }

    struct mmsghdr msgs[MAX_BATCH];
    struct iovec iovs[MAX_BATCH];
    union {
        char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
        struct cmsghdr align;
    } cmsgs[MAX_BATCH];

    memset(msgs, 0, sizeof msgs[0] * a.n);
    for (int i = 0; i < a.n; i++) {
        iovs[i].iov_base = a.buf + a.offsets[i];
        iovs[i].iov_len = a.capacity;
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        if (a.aux) {
            msgs[i].msg_hdr.msg_control = cmsgs[i].buf;
            msgs[i].msg_hdr.msg_controllen = sizeof cmsgs[i].buf;
        }
    }

    int n;
    do {
        n = recvmmsg(a.fd, msgs, a.n, MSG_TRUNC | MSG_DONTWAIT, NULL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return make_int(env, -errno);
    }
    for (int i = 0; i < n; i++) {
        a.sizes[i] = (int32_t) msgs[i].msg_len;
        if (!a.aux) {
            continue;
        }
        a.aux[2 * i] = 0;
        a.aux[2 * i + 1] = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c;
             c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA
                && c->cmsg_len >= CMSG_LEN(sizeof(struct tpacket_auxdata))) {
                struct tpacket_auxdata ad;
                memcpy(&ad, CMSG_DATA(c), sizeof ad);
                a.aux[2 * i] = ad.tp_status;
                a.aux[2 * i + 1] = ((uint32_t) ad.tp_vlan_tpid << 16) | ad.tp_vlan_tci;
            }
        }
    }
    return make_int(env, n);
}

static napi_value
send_batch(napi_env env, napi_callback_info info)
{
    struct batch_args a;
    int err = get_batch_args(env, info, false, false, &a);
    if (err) {
        return make_int(env, -err);
    }

    struct mmsghdr msgs[MAX_BATCH];
    struct iovec iovs[MAX_BATCH];
    memset(msgs, 0, sizeof msgs[0] * a.n);
    for (int i = 0; i < a.n; i++) {
        iovs[i].iov_base = a.buf + a.offsets[i];
        iovs[i].iov_len = (size_t) a.sizes[i];
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    int done = 0;
    while (done < a.n) {
        int r = sendmmsg(a.fd, msgs + done, a.n - done, MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (done > 0 && (errno == EAGAIN || errno == ENOBUFS)) {
                break;
            }
            if (done == 0) {
                return make_int(env, -errno);
            }
            /* A packet the device refuses (e.g. too big): skip it. */
            done++;
            continue;
        }
        done += r;
    }
    return make_int(env, done);
}

static napi_value
read_batch(napi_env env, napi_callback_info info)
{
    struct batch_args a;
    int err = get_batch_args(env, info, true, false, &a);
    if (err) {
        return make_int(env, -err);
    }
    int n = 0;
    while (n < a.n) {
        ssize_t r = read(a.fd, a.buf + a.offsets[n], a.capacity);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (n == 0) {
                return make_int(env, -errno);
            }
            break;
        }
        a.sizes[n++] = (int32_t) r;
    }
    return make_int(env, n);
}

static napi_value
write_batch(napi_env env, napi_callback_info info)
{
    struct batch_args a;
    int err = get_batch_args(env, info, false, false, &a);
    if (err) {
        return make_int(env, -err);
    }
    int n = 0;
    while (n < a.n) {
        ssize_t r = write(a.fd, a.buf + a.offsets[n], (size_t) a.sizes[n]);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == ENOBUFS) {
                if (n == 0) {
                    return make_int(env, -errno);
                }
                break;
            }
            if (n == 0) {
                return make_int(env, -errno);
            }
        }
        n++;
    }
    return make_int(env, n);
}

/* ---- tap devices and interface ioctls ------------------------------------ */

static napi_value
tap_open(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2];
    char name[IFNAMSIZ];
    size_t len = 0;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc < 2 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok
        || len == 0 || len >= IFNAMSIZ - 1) {
        return make_int(env, -EINVAL);
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return make_int(env, -errno);
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, name, len);
    ifr.ifr_flags = (short) arg_int(env, argv[1]);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return make_int(env, -e);
    }
    return make_int(env, fd);
}

static napi_value
fd_ioctl_int(napi_env env, napi_callback_info info)
{
    size_t argc = 3;
    napi_value argv[3];
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc < 3) {
        return make_int(env, EINVAL);
    }
    uint32_t req = 0;
    napi_get_value_uint32(env, argv[1], &req);
    long arg = arg_int(env, argv[2]);
    return make_int(env, ioctl(arg_int(env, argv[0]), req, arg) < 0 ? errno : 0);
}

static int control_fd = -1;
static pthread_once_t control_once = PTHREAD_ONCE_INIT;

static void
open_control_fd(void)
{
    control_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

/* Fills 'ifr' with the name in argv[0]; returns 0 or errno. */
static int
get_ifreq(napi_env env, napi_value v, struct ifreq *ifr)
{
    size_t len = 0;
    memset(ifr, 0, sizeof *ifr);
    if (napi_get_value_string_utf8(env, v, ifr->ifr_name, IFNAMSIZ, &len) != napi_ok
        || len == 0 || len >= IFNAMSIZ - 1) {
        return EINVAL;
    }
    pthread_once(&control_once, open_control_fd);
    return control_fd < 0 ? EAFNOSUPPORT : 0;
}

static napi_value
ifreq_ioctl(napi_env env, napi_callback_info info)
{
    size_t argc = 3;
    napi_value argv[3];
    struct ifreq ifr;
    size_t size;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc < 3) {
        return make_int(env, EINVAL);
    }
    int err = get_ifreq(env, argv[0], &ifr);
    if (err) {
        return make_int(env, err);
    }
    uint32_t req = 0;
    napi_get_value_uint32(env, argv[1], &req);
    uint8_t *data = arg_bytes(env, argv[2], &size);
    size_t union_size = sizeof ifr - IFNAMSIZ;
    if (!data || size < union_size) {
        return make_int(env, EINVAL);
    }
    memcpy((char *) &ifr + IFNAMSIZ, data, union_size);
    if (ioctl(control_fd, req, &ifr) < 0) {
        return make_int(env, errno);
    }
    memcpy(data, (char *) &ifr + IFNAMSIZ, union_size);
    return make_int(env, 0);
}

static napi_value
ethtool_ioctl(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2];
    struct ifreq ifr;
    size_t size;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc < 2) {
        return make_int(env, EINVAL);
    }
    int err = get_ifreq(env, argv[0], &ifr);
    if (err) {
        return make_int(env, err);
    }
    void *data = arg_bytes(env, argv[1], &size);
    if (!data || size < 4) {
        return make_int(env, EINVAL);
    }
    ifr.ifr_data = data;
    return make_int(env, ioctl(control_fd, SIOCETHTOOL, &ifr) < 0 ? errno : 0);
}

/* ---- readiness: uv_poll on the calling thread's event loop --------------- */

struct poller {
    uv_poll_t handle;
    napi_env env;
    napi_ref callback;          /* The JS function to call. */
    napi_ref self;              /* Keeps the JS object alive while polling. */
    napi_async_context context;
    bool closing;               /* uv_close() called. */
    bool closed;                /* uv close callback ran. */
    bool finalized;             /* JS object collected. */
};

static void poller_cleanup_hook(void *arg);

static void
poller_maybe_free(struct poller *p)
{
    if (p->closed && p->finalized) {
        free(p);
    }
}

static void
poller_on_close(uv_handle_t *h)
{
    struct poller *p = h->data;
    p->closed = true;
    poller_maybe_free(p);
}

static void
poller_close(struct poller *p)
{
    if (p->closing) {
        return;
    }
    p->closing = true;
    uv_poll_stop(&p->handle);
    uv_close((uv_handle_t *) &p->handle, poller_on_close);
    napi_remove_env_cleanup_hook(p->env, poller_cleanup_hook, p);
    if (p->callback) {
        napi_delete_reference(p->env, p->callback);
        p->callback = NULL;
    }
    if (p->context) {
        napi_async_destroy(p->env, p->context);
        p->context = NULL;
    }
    if (p->self) {
        napi_delete_reference(p->env, p->self);
        p->self = NULL;
    }
}

static void
poller_cleanup_hook(void *arg)
{
    struct poller *p = arg;
    /* The environment is going away: references are no longer usable. */
    p->callback = NULL;
    p->context = NULL;
    p->self = NULL;
    if (!p->closing) {
        p->closing = true;
        uv_poll_stop(&p->handle);
        uv_close((uv_handle_t *) &p->handle, poller_on_close);
    }
}

static void
poller_finalize(napi_env env, void *data, void *hint)
{
    (void) env;
    (void) hint;
    struct poller *p = data;
    p->finalized = true;
    poller_maybe_free(p);
}

static void
poller_on_event(uv_poll_t *h, int status, int events)
{
    struct poller *p = h->data;
    if (p->closing || !p->callback) {
        return;
    }
    napi_env env = p->env;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);

    napi_value cb, recv, arg, result;
    napi_get_reference_value(env, p->callback, &cb);
    napi_get_global(env, &recv);
    int64_t x = status < 0 ? status
        : ((events & UV_READABLE) ? 1 : 0) | ((events & UV_WRITABLE) ? 2 : 0);
    napi_create_int64(env, x, &arg);
    if (napi_make_callback(env, p->context, recv, cb, 1, &arg, &result)
        == napi_pending_exception) {
        napi_value e;
        napi_get_and_clear_last_exception(env, &e);
        napi_fatal_exception(env, e);
    }
    napi_close_handle_scope(env, scope);
}

static int
uv_events(int events)
{
    return ((events & 1) ? UV_READABLE : 0) | ((events & 2) ? UV_WRITABLE : 0);
}

static napi_value
poll_start(napi_env env, napi_callback_info info)
{
    size_t argc = 3;
    napi_value argv[3], obj, name;
    napi_valuetype t;

    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc < 3 || napi_typeof(env, argv[2], &t) != napi_ok || t != napi_function) {
        napi_throw_type_error(env, NULL, "pollStart(fd, events, callback)");
        return NULL;
    }
    uv_loop_t *loop;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
        napi_throw_error(env, NULL, "no event loop");
        return NULL;
    }
    struct poller *p = calloc(1, sizeof *p);
    if (!p) {
        napi_throw_error(env, NULL, "out of memory");
        return NULL;
    }
    p->env = env;
    int r = uv_poll_init(loop, &p->handle, arg_int(env, argv[0]));
    if (r < 0) {
        free(p);
        napi_throw_error(env, NULL, uv_strerror(r));
        return NULL;
    }
    p->handle.data = p;

    napi_create_object(env, &obj);
    napi_wrap(env, obj, p, poller_finalize, NULL, NULL);
    napi_create_reference(env, argv[2], 1, &p->callback);
    napi_create_reference(env, obj, 1, &p->self);
    napi_create_string_utf8(env, "ovs_native.poll", NAPI_AUTO_LENGTH, &name);
    napi_async_init(env, obj, name, &p->context);
    napi_add_env_cleanup_hook(env, poller_cleanup_hook, p);

    r = uv_poll_start(&p->handle, uv_events(arg_int(env, argv[1])), poller_on_event);
    if (r < 0) {
        poller_close(p);
        napi_throw_error(env, NULL, uv_strerror(r));
        return NULL;
    }
    return obj;
}

static struct poller *
get_poller(napi_env env, napi_value v)
{
    void *p = NULL;
    if (napi_unwrap(env, v, &p) != napi_ok) {
        return NULL;
    }
    return p;
}

static napi_value
poll_update(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2];
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    struct poller *p = argc >= 2 ? get_poller(env, argv[0]) : NULL;
    if (!p || p->closing) {
        return make_int(env, EINVAL);
    }
    int ev = uv_events(arg_int(env, argv[1]));
    int r = ev ? uv_poll_start(&p->handle, ev, poller_on_event) : uv_poll_stop(&p->handle);
    return make_int(env, r < 0 ? -r : 0);
}

static napi_value
poll_stop(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1];
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    struct poller *p = argc >= 1 ? get_poller(env, argv[0]) : NULL;
    if (p) {
        poller_close(p);
    }
    return make_int(env, 0);
}

/* -------------------------------------------------------------------------- */

#define FN(NAME, C) { NAME, NULL, C, NULL, NULL, NULL, napi_default, NULL }

static napi_value
init(napi_env env, napi_value exports)
{
    napi_property_descriptor props[] = {
        FN("fcntlLock", fcntl_lock),
        FN("fcntlGetLock", fcntl_get_lock),
        FN("packetSocketOpen", packet_socket_open),
        FN("recvBatch", recv_batch),
        FN("sendBatch", send_batch),
        FN("readBatch", read_batch),
        FN("writeBatch", write_batch),
        FN("tapOpen", tap_open),
        FN("fdIoctlInt", fd_ioctl_int),
        FN("ifreqIoctl", ifreq_ioctl),
        FN("ethtoolIoctl", ethtool_ioctl),
        FN("pollStart", poll_start),
        FN("pollUpdate", poll_update),
        FN("pollStop", poll_stop),
    };
    napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
