// allotd: the sidecar. Configuration, signals and the serve loop live in AllotServer; this file only hands
// over the arguments and exits with the status it gets back (the one place that exits).
import AllotServer
import Glibc

exit(Server.main(Array(CommandLine.arguments.dropFirst())))
