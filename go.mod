module ztm

go 1.26
