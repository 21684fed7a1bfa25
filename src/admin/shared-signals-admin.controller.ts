import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Client, CurrentPrincipal, type Principal } from '../auth/principal.js';
import type { ClientInfo } from '../common/client-info.js';
import { Roles } from '../common/route-policy.js';
import { uuidParam } from '../common/uuid.js';
import { SharedSignalsAdmin } from '../shared-signals/shared-signals-admin.service.js';
import { toDeadLetterView, toStreamOverviewView } from './shared-signals.view.js';

export class DeadLettersQuery {
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/** Ops' view of the SSF transmitter: every stream with its backlog, dead letters, and queuing them again (audited). */
@Roles('admin')
@Controller('admin/ssf/streams')
export class SharedSignalsAdminController {
  constructor(private readonly sharedSignals: SharedSignalsAdmin) {}

  @Get()
  async listStreams() {
    return { streams: (await this.sharedSignals.listStreams()).map(toStreamOverviewView) };
  }

  @Get(':id/dead-letters')
  async deadLetters(@Param('id', uuidParam('id')) id: string, @Query() query: DeadLettersQuery) {
    return { events: (await this.sharedSignals.deadLetters(id, query.limit ?? 100)).map(toDeadLetterView) };
  }

  @Post(':id/dead-letters/retry')
  @HttpCode(200)
  async retryDeadLetters(@Param('id', uuidParam('id')) id: string, @CurrentPrincipal() admin: Principal, @Client() client: ClientInfo) {
    return { streamId: id, requeued: await this.sharedSignals.requeueDeadLetters(id, { id: admin.userId, client }) };
  }
}
