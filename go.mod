module github.com/kustomer-chat/kustomer-chat

go 1.26
