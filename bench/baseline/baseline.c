/* The ceiling for bench/intake: the least a durable webhook intake can do on Ripcord's libraries.
 *
 * libmicrohttpd (internal epoll thread pool, like Ripcord) takes POST bodies; one writer thread
 * commits whatever arrived together in one SQLite transaction (WAL, synchronous=FULL) and only then
 * is each 200 sent: every acknowledged body is on disk. No JSON parsing, no dedup, no audit: one
 * INSERT of the raw body per request.
 *
 * Waiting requests are parked with MHD_suspend_connection, so a batch can hold every connection's
 * request, not just one per worker thread. `--blocking` instead waits on the worker thread (as
 * Ripcord's handler does), to show what that costs.
 *
 *   cc -O2 -o baseline baseline.c -lmicrohttpd -lsqlite3 -lpthread
 *   ./baseline PORT DB [--threads N] [--blocking]
 */
#include <microhttpd.h>
#include <sqlite3.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BODY (1 << 20)
#define MAX_BATCH 256

struct request {
    char *body;
    size_t size, capacity;
    int queued, done, failed, too_large;
    sqlite3_int64 id;
    struct MHD_Connection *connection;
    struct request *next;
};

static sqlite3 *db;
static sqlite3_stmt *insert;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER;
static struct request *head, *tail;
static int blocking;
static volatile sig_atomic_t stopping;

static void die(const char *what) {
    fprintf(stderr, "baseline: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}

static void exec_sql(const char *sql) {
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) die(sql);
}

/* The writer: take everything queued (up to MAX_BATCH), one transaction, one fsync, wake them all. */
static void *writer(void *unused) {
    (void)unused;
    struct request *batch[MAX_BATCH];
    for (;;) {
        pthread_mutex_lock(&lock);
        while (head == NULL) pthread_cond_wait(&work, &lock);
        int n = 0;
        while (head != NULL && n < MAX_BATCH) {
            batch[n++] = head;
            head = head->next;
        }
        if (head == NULL) tail = NULL;
        pthread_mutex_unlock(&lock);

        int ok = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
        for (int i = 0; ok && i < n; i++) {
            sqlite3_bind_blob(insert, 1, batch[i]->body, (int)batch[i]->size, SQLITE_STATIC);
            ok = sqlite3_step(insert) == SQLITE_DONE;
            batch[i]->id = sqlite3_last_insert_rowid(db);
            sqlite3_reset(insert);
            sqlite3_clear_bindings(insert);
        }
        ok = ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
        if (!ok) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);

        pthread_mutex_lock(&lock);
        for (int i = 0; i < n; i++) {
            batch[i]->failed = !ok;
            batch[i]->done = 1;
            if (!blocking) MHD_resume_connection(batch[i]->connection);
        }
        pthread_cond_broadcast(&finished);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static enum MHD_Result answer(struct MHD_Connection *connection, unsigned int status, const char *text) {
    struct MHD_Response *response =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (response == NULL) return MHD_NO;
    MHD_add_response_header(response, "Content-Type", "application/json");
    enum MHD_Result result = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return result;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *connection, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **slot) {
    (void)cls; (void)version;
    struct request *request = *slot;
    if (request == NULL) {
        request = calloc(1, sizeof *request);
        if (request == NULL) return MHD_NO;
        request->connection = connection;
        *slot = request;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (request->size + *upload_size > MAX_BODY) {
            request->too_large = 1;
        } else if (!request->too_large) {
            if (request->size + *upload_size > request->capacity) {
                size_t capacity = request->capacity ? request->capacity * 2 : 4096;
                while (capacity < request->size + *upload_size) capacity *= 2;
                char *grown = realloc(request->body, capacity);
                if (grown == NULL) return MHD_NO;
                request->body = grown;
                request->capacity = capacity;
            }
            memcpy(request->body + request->size, upload, *upload_size);
            request->size += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/-/healthy") == 0) return answer(connection, 200, "ok\n");
    if (strcmp(method, "POST") != 0) return answer(connection, 405, "{\"error\":\"method_not_allowed\"}");
    if (request->too_large) return answer(connection, 413, "{\"error\":\"payload_too_large\"}");

    if (!request->queued) {
        request->queued = 1;
        pthread_mutex_lock(&lock);
        if (tail) tail->next = request; else head = request;
        tail = request;
        /* Suspend under the lock: the writer's resume cannot come before the suspend. */
        if (!blocking) MHD_suspend_connection(connection);
        pthread_cond_signal(&work);
        if (blocking) while (!request->done) pthread_cond_wait(&finished, &lock);
        pthread_mutex_unlock(&lock);
        if (!blocking) return MHD_YES;
    }
    if (!request->done) return MHD_YES;
    if (request->failed) return answer(connection, 503, "{\"error\":\"store_unavailable\"}");
    char text[96];
    snprintf(text, sizeof text, "{\"delivery_id\":%lld,\"duplicate\":false}", (long long)request->id);
    return answer(connection, 200, text);
}

static void completed(void *cls, struct MHD_Connection *connection, void **slot,
                      enum MHD_RequestTerminationCode code) {
    (void)cls; (void)connection; (void)code;
    struct request *request = *slot;
    if (request == NULL) return;
    free(request->body);
    free(request);
    *slot = NULL;
}

static void on_signal(int sig) { (void)sig; stopping = 1; }

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s PORT DB [--threads N] [--blocking]\n", argv[0]);
        return 64;
    }
    unsigned int threads = 2;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--blocking") == 0) blocking = 1;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = (unsigned)atoi(argv[++i]);
    }
    if (sqlite3_open(argv[2], &db) != SQLITE_OK) die("open");
    sqlite3_busy_timeout(db, 5000);
    exec_sql("PRAGMA journal_mode = WAL");
    exec_sql("PRAGMA synchronous = FULL");
    exec_sql("CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, "
             "received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), body BLOB NOT NULL)");
    if (sqlite3_prepare_v2(db, "INSERT INTO deliveries (body) VALUES (?)", -1, &insert, NULL) != SQLITE_OK)
        die("prepare");

    pthread_t thread;
    if (pthread_create(&thread, NULL, writer, NULL) != 0) die("pthread_create");

    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (!blocking) flags |= MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_Daemon *daemon = MHD_start_daemon(
        flags, (uint16_t)atoi(argv[1]), NULL, NULL, handle, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, 4096u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
        MHD_OPTION_END);
    if (daemon == NULL) die("MHD_start_daemon");
    fprintf(stderr, "baseline: listening on port %s (%u threads, %s)\n", argv[1], threads,
            blocking ? "blocking" : "suspend/resume");

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    while (!stopping) pause();
    /* MHD_stop_daemon panics while connections are suspended (a client may leave mid-request), so
     * stop accepting, let the writer finish what is queued, and leave: every 200 sent is durable. */
    MHD_quiesce_daemon(daemon);
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&lock);
        int idle = head == NULL;
        pthread_mutex_unlock(&lock);
        if (idle) break;
        usleep(10000);
    }
    _exit(0);
}
