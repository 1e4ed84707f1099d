# An independent Modbus TCP server (pymodbus) for the edge poller's tests: prints "listening PORT", then serves
# fixed words: 32-bit values in both word orders, a negative S16, and every type's "not available" value.
import asyncio, socket, sys
from pymodbus.datastore import ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext
from pymodbus.server import StartAsyncTcpServer

# Wire address -> word, as a device documenting one-based addresses 1... serves them.
INPUT = [0xFFFE, 0x1DC0, 0xB43F, 0x0096, 2314, 0xFFF1, 0xFFFF, 0x7FFF, 0xFFFF, 0xFFFF, 0xFFFF, 0x7FFF]
HOLDING = {100: 42}

async def main():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    holding = [0] * 101
    for address, word in HOLDING.items():
        holding[address] = word
    # pymodbus's device context adds 1 to a request's address before looking it up.
    device = ModbusDeviceContext(
        ir=ModbusSequentialDataBlock(1, INPUT),
        hr=ModbusSequentialDataBlock(1, holding),
    )
    context = ModbusServerContext(devices=device, single=True)
    print(f"listening {port}", flush=True)
    await StartAsyncTcpServer(context=context, address=("127.0.0.1", port))

asyncio.run(main())
