#ifndef RIPCORD_CMICROHTTPD_SHIM_H
#define RIPCORD_CMICROHTTPD_SHIM_H
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <string.h>
#include <microhttpd.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/// The options Ripcord sets on a daemon; MHD_start_daemon is variadic, which Swift cannot call.
struct cmhd_daemon_options {
    unsigned int flags;
    const struct sockaddr *address;
    unsigned int thread_pool_size;
    unsigned int connection_limit;
    unsigned int per_ip_connection_limit;
    unsigned int connection_timeout_seconds;
    size_t connection_memory_limit;
    int listen_backlog;
    /* TLS (libmicrohttpd's own, on GnuTLS): PEM text, or NULL for plain HTTP. */
    const char *tls_key_pem;
    const char *tls_cert_pem;
    const char *tls_client_ca_pem;   /* NULL: no client certificates asked for */
    const char *tls_priorities;      /* GnuTLS priority string, e.g. NORMAL:-VERS-ALL:+VERS-TLS1.3 */
    int reuse_port;                  /* SO_REUSEPORT, so a new daemon can take over the port */
};

static inline struct MHD_Daemon *
cmhd_start_daemon(const struct cmhd_daemon_options *o,
                  MHD_AccessHandlerCallback handler, void *handler_cls,
                  MHD_RequestCompletedCallback completed, void *completed_cls,
                  MHD_LogCallback logger, void *logger_cls,
                  MHD_NotifyConnectionCallback notify, void *notify_cls) {
    struct MHD_OptionItem tls[6];
    int n = 0;
    unsigned int flags = o->flags;
    if (o->tls_key_pem != NULL && o->tls_cert_pem != NULL) {
        flags |= MHD_USE_TLS;
        tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key_pem };
        tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert_pem };
        if (o->tls_client_ca_pem != NULL) {
            tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, (void *)o->tls_client_ca_pem };
        }
        if (o->tls_priorities != NULL) {
            tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)o->tls_priorities };
        }
    }
    if (o->reuse_port) {
        tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL };
    }
    tls[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_cls,
                            MHD_OPTION_EXTERNAL_LOGGER, logger, logger_cls,
                            MHD_OPTION_ARRAY, tls,
                            MHD_OPTION_SOCK_ADDR, o->address,
                            MHD_OPTION_THREAD_POOL_SIZE, o->thread_pool_size,
                            MHD_OPTION_CONNECTION_LIMIT, o->connection_limit,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip_connection_limit,
                            MHD_OPTION_CONNECTION_TIMEOUT, o->connection_timeout_seconds,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->connection_memory_limit,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)o->listen_backlog,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_cls,
                            MHD_OPTION_NOTIFY_CONNECTION, notify, notify_cls,
                            MHD_OPTION_END);
}

/// The port the daemon is bound to (useful when it was asked for port 0).
static inline uint16_t cmhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

/// The connection's socket, or -1.
static inline int cmhd_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : (int)info->connect_fd;
}

/// The inode of the socket behind `fd` (tells the same socket from a later one reusing the number), or 0.
static inline unsigned long cmhd_socket_inode(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/// The peer's address, or NULL.
static inline const struct sockaddr *cmhd_client_address(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info == NULL ? NULL : info->client_addr;
}

/// The verified client certificate's subject (RFC 4514 DN) of a TLS connection, written into
/// `buffer`. Returns 1 for a certificate that verifies against the configured client CA, 0 when
/// there is none or it does not verify (libmicrohttpd only *requests* a client certificate).
static inline int cmhd_verified_client_subject(struct MHD_Connection *connection, char *buffer, size_t size) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (info == NULL || info->tls_session == NULL) return 0;
    gnutls_session_t session = (gnutls_session_t)info->tls_session;
    unsigned int status = 0;
    if (gnutls_certificate_verify_peers2(session, &status) < 0 || status != 0) return 0;
    unsigned int count = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &count);
    if (peers == NULL || count == 0) return 0;
    gnutls_x509_crt_t cert;
    if (gnutls_x509_crt_init(&cert) < 0) return 0;
    int ok = 0;
    if (gnutls_x509_crt_import(cert, &peers[0], GNUTLS_X509_FMT_DER) >= 0) {
        gnutls_datum_t dn = { NULL, 0 };
        if (gnutls_x509_crt_get_dn3(cert, &dn, 0) >= 0 && dn.data != NULL) {
            size_t length = dn.size < size - 1 ? dn.size : size - 1;
            memcpy(buffer, dn.data, length);
            buffer[length] = 0;
            gnutls_free(dn.data);
            ok = 1;
        }
    }
    gnutls_x509_crt_deinit(cert);
    return ok;
}

/// Whether a PEM certificate and key belong together (and the CA, if given, parses).
/// Returns 0 when they do, else a GnuTLS error code; `what` names the part at fault.
static inline int cmhd_check_tls_material(const char *cert_pem, const char *key_pem, const char *ca_pem, int *what) {
    gnutls_certificate_credentials_t credentials;
    int rc = gnutls_certificate_allocate_credentials(&credentials);
    if (rc < 0) { *what = 0; return rc; }
    gnutls_datum_t cert = { (unsigned char *)cert_pem, (unsigned int)strlen(cert_pem) };
    gnutls_datum_t key = { (unsigned char *)key_pem, (unsigned int)strlen(key_pem) };
    rc = gnutls_certificate_set_x509_key_mem(credentials, &cert, &key, GNUTLS_X509_FMT_PEM);
    if (rc < 0) { *what = 1; gnutls_certificate_free_credentials(credentials); return rc; }
    if (ca_pem != NULL) {
        gnutls_datum_t ca = { (unsigned char *)ca_pem, (unsigned int)strlen(ca_pem) };
        rc = gnutls_certificate_set_x509_trust_mem(credentials, &ca, GNUTLS_X509_FMT_PEM);
        if (rc <= 0) { *what = 2; gnutls_certificate_free_credentials(credentials); return rc == 0 ? -1 : rc; }
    }
    gnutls_certificate_free_credentials(credentials);
    return 0;
}

/// GnuTLS's words for an error code.
static inline const char *cmhd_tls_error(int code) {
    return gnutls_strerror(code);
}

/// The logger callback receives a va_list; format it into a buffer.
static inline int cmhd_format_log(char *buffer, size_t size, const char *format, va_list args) {
    return vsnprintf(buffer, size, format, args);
}
#endif
