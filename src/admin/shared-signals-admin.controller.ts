import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Client, CurrentPrincipal, type Principal } from '../auth/principal.js';
import type { ClientInfo } from '../common/client-info.js';
import { Roles } from '../common/route-policy.js';
import { uuidParam } from '../common/uuid.js';
import { ApiErrors } from '../openapi/api-errors.js';
import { SharedSignalsAdmin } from '../shared-signals/shared-signals-admin.service.js';
import { DeadLettersRequeuedView, DeadLettersView, StreamOverviewsView, toDeadLetterView, toStreamOverviewView } from './shared-signals.view.js';

export class DeadLettersQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/** Ops' view of the SSF transmitter: every stream with its backlog, dead letters, and queuing them again (audited). */
@ApiTags('admin')
@Roles('admin')
@Controller('admin/ssf/streams')
export class SharedSignalsAdminController {
  constructor(private readonly sharedSignals: SharedSignalsAdmin) {}

  @ApiOperation({ summary: "Every receiver's SSF streams, with their backlog and dead letters" })
  @ApiOkResponse({ type: StreamOverviewsView })
  @Get()
  async listStreams(): Promise<StreamOverviewsView> {
    return { streams: (await this.sharedSignals.listStreams()).map(toStreamOverviewView) };
  }

  @ApiOperation({ summary: "A stream's dead letters (events push delivery gave up on), oldest first" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: DeadLettersView })
  @ApiErrors('stream_not_found')
  @Get(':id/dead-letters')
  async deadLetters(@Param('id', uuidParam('id')) id: string, @Query() query: DeadLettersQuery): Promise<DeadLettersView> {
    return { events: (await this.sharedSignals.deadLetters(id, query.limit ?? 100)).map(toDeadLetterView) };
  }

  @ApiOperation({ summary: "Queue a stream's dead letters again, each with a full set of push attempts" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: DeadLettersRequeuedView })
  @ApiErrors('stream_not_found')
  @Post(':id/dead-letters/retry')
  @HttpCode(200)
  async retryDeadLetters(@Param('id', uuidParam('id')) id: string, @CurrentPrincipal() admin: Principal, @Client() client: ClientInfo): Promise<DeadLettersRequeuedView> {
    return { streamId: id, requeued: await this.sharedSignals.requeueDeadLetters(id, { id: admin.userId, client }) };
  }
}
