"""A Socket.IO client that connects over WebSocket (Engine.IO v4), joins the main namespace and
then never reads again, with a tiny receive buffer: the server's queue for it must overflow.

Usage: stalled_client.py WS_URL   (ws://host:port/socket.io/?EIO=4&transport=websocket)
Prints "joined" once the namespace CONNECT reply arrived, then sleeps until killed.
"""
import socket
import sys
import time

import websocket

ws = websocket.create_connection(sys.argv[1], sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
ws.recv()            # Engine.IO open packet
ws.send("40")        # Socket.IO CONNECT to "/"
while not ws.recv().startswith("40"):
    pass
print("joined", flush=True)
while True:
    time.sleep(1)
