/* Peak resident memory of a command, for benches/compare.sh: fork from this small process
   and exec the command, so ru_maxrss is the command's own (a fork of a Python interpreter
   would count the interpreter's pages too). Usage: maxrss PROGRAM ARGS... (prints KiB). */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
int main(int argc, char **argv) {
    pid_t pid = fork();
    if (pid == 0) { int fd = open("/dev/null", O_WRONLY); dup2(fd, 1); execv(argv[1], argv + 1); _exit(127); }
    int status; struct rusage ru; wait4(pid, &status, 0, &ru);
    printf("%ld\n", ru.ru_maxrss);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
