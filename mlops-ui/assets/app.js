// placeholder: the pages are being written
