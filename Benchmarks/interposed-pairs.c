// Uncontended lock+unlock pairs of one pthread lock, called straight from C (no Foundation frame
// between the program and the interposer), for `lockgraph run` against the plain program
// (BENCHMARKS.md section 19). Knows nothing of LockGraph.
//
//   cc -O2 -o /tmp/interposed-pairs Benchmarks/interposed-pairs.c -lpthread
//   /tmp/interposed-pairs mutex|rwlock-write|rwlock-read [PAIRS] [ROUNDS] [threaded]
//
// `threaded`: one thread runs (and is joined) first. Until a process's second thread starts,
// glibc's mutex lock and unlock skip the bus lock (`__libc_single_threaded`); every program
// that needs a lock-order checker has more than one thread.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *warm_up(void *argument) { return argument; }

static double nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e9 + (double)now.tv_nsec;
}

int main(int argc, char **argv) {
    const char *kind = argc > 1 ? argv[1] : "";
    long pairs = argc > 2 ? atol(argv[2]) : 1000000;
    int rounds = argc > 3 ? atoi(argv[3]) : 3;
    int threaded = argc > 4 && strcmp(argv[4], "threaded") == 0;
    int mutex = strcmp(kind, "mutex") == 0, write = strcmp(kind, "rwlock-write") == 0, read = strcmp(kind, "rwlock-read") == 0;
    if (!(mutex || write || read) || pairs <= 0 || rounds <= 0) {
        fprintf(stderr, "usage: interposed-pairs mutex|rwlock-write|rwlock-read [PAIRS > 0] [ROUNDS > 0] [threaded]\n");
        return 2;
    }
    if (threaded) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, warm_up, NULL) != 0 || pthread_join(thread, NULL) != 0) {
            fprintf(stderr, "interposed-pairs: could not run a thread\n");
            return 2;
        }
    }
    pthread_mutex_t lock;
    pthread_rwlock_t rwlock;
    pthread_mutex_init(&lock, NULL);
    pthread_rwlock_init(&rwlock, NULL);
    for (int round = 0; round < rounds; round++) {
        double start = nanoseconds();
        for (long pair = 0; pair < pairs; pair++) {
            if (mutex) {
                pthread_mutex_lock(&lock);
                pthread_mutex_unlock(&lock);
            } else {
                if (write) pthread_rwlock_wrlock(&rwlock); else pthread_rwlock_rdlock(&rwlock);
                pthread_rwlock_unlock(&rwlock);
            }
        }
        printf("round %d: %s lock+unlock %.1f ns\n", round, kind, (nanoseconds() - start) / (double)pairs);
    }
    return 0;
}
