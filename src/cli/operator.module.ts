import { Module } from '@nestjs/common';
import { OperatorSocket } from './operator-socket.js';

/** The CLI's way into a running service on the embedded development database (see OperatorSocket). */
@Module({
  providers: [OperatorSocket],
  exports: [OperatorSocket],
})
export class OperatorModule {}
