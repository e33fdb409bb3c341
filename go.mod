module github.com/ztm-dev/ztm

go 1.26
