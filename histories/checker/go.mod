module kask-ts/histories/checker

// 1.19: Debian 12's golang package, which histories/build-checker.sh installs where no Go is.
go 1.19

require github.com/anishathalye/porcupine v1.3.1
